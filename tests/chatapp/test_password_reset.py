"""Password reset: the request never reveals whether an account exists; the confirmation sets the password."""

from __future__ import annotations

import re

from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

NEW_PASSWORD = "a-brand-new-passphrase-7"


def link_for(user) -> dict:
    return {"uid": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)}


def test_it_mails_a_working_uid_and_token_to_a_known_address(api, member, mailoutbox):
    response = api.post("password_reset", {"email": "member@example.com"})
    assert response.status_code == 200
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["member@example.com"]
    fields = dict(re.findall(r'"(uid|token)": "([^"]+)"', mail.body))
    assert api.url("password_reset_confirm") in mail.body
    response = api.post("password_reset_confirm", {**fields, "password": NEW_PASSWORD})
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)


def test_it_answers_the_same_for_an_unknown_address_and_sends_nothing(api, member, mailoutbox):
    known = api.post("password_reset", {"email": "member@example.com"})
    unknown = api.post("password_reset", {"email": "nobody@example.com"})
    assert (unknown.status_code, unknown.json()) == (known.status_code, known.json())
    assert len(mailoutbox) == 1


def test_it_refuses_a_bad_token(api, member):
    response = api.post("password_reset_confirm", {**link_for(member), "token": "abc-123", "password": NEW_PASSWORD})
    assert response.status_code == 400
    assert response.json()["fields"] == {"__all__": ["the reset link is invalid or has expired"]}
    member.refresh_from_db()
    assert member.check_password("member-pass-1")


def test_it_refuses_a_token_once_used(api, member):
    link = link_for(member)
    assert api.post("password_reset_confirm", {**link, "password": NEW_PASSWORD}).status_code == 200
    assert api.post("password_reset_confirm", {**link, "password": "yet-another-pass-8"}).status_code == 400


def test_it_applies_the_password_validators(api, member):
    response = api.post("password_reset_confirm", {**link_for(member), "password": "123"})
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["password"]
