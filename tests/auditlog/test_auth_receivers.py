"""Each Django auth signal, through the chat app's real HTTP flows, records exactly the expected events."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model

from auditlog.models import AuditEvent
from tests.auditlog.conftest import events, last_id


def test_it_records_registration_as_account_created(api):
    response = api.post(
        "register", {"username": "newbie", "email": "newbie@example.com", "password": "pw-9-long-enough"}
    )
    assert response.status_code == 201
    user = get_user_model().objects.get(username="newbie")
    assert events() == [("account.created", "success", "anonymous", user.pk)]
    event = AuditEvent.objects.get()
    assert (event.ip, event.user_agent, event.target_id) == ("203.0.113.7", "pytest-browser/1.0", str(user.pk))
    assert event.request_id  # chatmon's middleware names every request


def test_it_records_a_login_with_the_user_ip_and_request_id(api, member):
    start = last_id()
    response = api.client.post(
        api.url("login"),
        {"username": "member", "password": "member-pass-1"},
        content_type="application/json",
        HTTP_X_REQUEST_ID="req-login-1",
    )
    assert response.status_code == 200
    assert events(after=start) == [("auth.login", "success", "member@example.com", member.pk)]
    event = AuditEvent.objects.get(action="auth.login")
    assert (event.actor_id, event.ip, event.request_id) == (member.pk, "203.0.113.7", "req-login-1")


def test_it_records_a_failed_login_with_the_name_masked_and_the_ip_kept(api, member):
    start = last_id()
    assert api.post("login", {"username": "member", "password": "wrong"}).status_code == 401
    assert events(after=start) == [("auth.login_failed", "failure", "anonymous", member.pk)]
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.metadata == {"username": "***ber"}
    assert event.ip == "203.0.113.7"


def test_it_records_a_failed_login_for_an_unknown_account_without_a_subject(api):
    assert api.post("login", {"username": "nobody-here", "password": "x"}).status_code == 401
    assert events() == [("auth.login_failed", "failure", "anonymous", None)]
    assert AuditEvent.objects.get().metadata == {"username": "*****y-here"}


def test_it_records_a_logout(member_api, member):
    start = last_id()
    assert member_api.post("logout").status_code == 200
    assert events(after=start) == [("auth.logout", "success", "member@example.com", member.pk)]


def test_it_records_a_password_reset_by_emailed_link(api, member, mailoutbox):
    assert api.post("password_reset", {"email": "member@example.com"}).status_code == 200
    fields = dict(re.findall(r'"(uid|token)": "([^"]+)"', mailoutbox[0].body))
    start = last_id()
    assert api.post("password_reset_confirm", {**fields, "password": "a-brand-new-passphrase-7"}).status_code == 200
    assert events(after=start) == [("account.password_reset", "success", "anonymous", member.pk)]


def test_it_records_a_password_change_by_the_signed_in_user(rf, member):
    from auditlog.context import request_scope

    request = rf.post("/settings/password")
    request.user = member
    start = last_id()
    with request_scope(request):
        member.set_password("another-passphrase-8")
        member.save()
    assert events(after=start) == [("account.password_changed", "success", "member@example.com", member.pk)]


def test_it_records_an_account_deletion(member):
    start = last_id()
    pk = member.pk
    member.delete()
    assert events(after=start) == [("account.deleted", "success", "system", pk)]
    assert AuditEvent.objects.filter(id__gt=start).earliest("id").target_repr == "member"
