"""POST /api/auth/register creates an account, with Django's password rules and unique names and emails."""

from __future__ import annotations

from django.contrib.auth import get_user_model

ACCOUNT = {"username": "dana", "email": "dana@example.com", "password": "a-long-passphrase-9"}


def test_it_creates_the_account(api):
    response = api.post("register", ACCOUNT)
    assert response.status_code == 201
    user = get_user_model().objects.get(username="dana")
    assert response.json() == {"id": user.pk, "username": "dana"}
    assert user.email == "dana@example.com"
    assert user.check_password(ACCOUNT["password"])


def test_it_applies_the_password_validators(api):
    response = api.post("register", {**ACCOUNT, "password": "12345678"})
    assert response.status_code == 400
    body = response.json()
    assert list(body["fields"]) == ["password"]
    assert any("too common" in m for m in body["fields"]["password"])
    assert not get_user_model().objects.filter(username="dana").exists()


def test_it_refuses_a_taken_username_with_409_naming_the_field(api, member):
    response = api.post("register", {**ACCOUNT, "username": "Member"})
    assert response.status_code == 409
    assert response.json()["field"] == "username"


def test_it_refuses_a_taken_email_with_409_naming_the_field(api, member):
    response = api.post("register", {**ACCOUNT, "email": "MEMBER@example.com"})
    assert response.status_code == 409
    assert response.json()["field"] == "email"


def test_it_names_the_missing_and_malformed_fields(api):
    response = api.post("register", {"username": "bad name!", "email": "not-an-email"})
    assert response.status_code == 400
    assert sorted(response.json()["fields"]) == ["email", "password", "username"]
