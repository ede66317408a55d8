"""POST /api/auth/login authenticates by user name or email through Django, so its signals fire."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_login_failed


class Received:
    def __init__(self, signal) -> None:
        self.calls: list[dict] = []
        self.signal = signal

    def __enter__(self):
        self.signal.connect(self.receive)
        return self.calls

    def __exit__(self, *exc) -> None:
        self.signal.disconnect(self.receive)

    def receive(self, sender, **kwargs) -> None:
        self.calls.append(kwargs)


def test_it_logs_in_by_user_name_and_the_session_then_works(api, member):
    with Received(user_logged_in) as logged_in:
        response = api.post("login", {"username": "member", "password": "member-pass-1"})
    assert response.status_code == 200
    assert response.json() == {"id": member.pk, "username": "member"}
    assert [call["user"] for call in logged_in] == [member]
    assert logged_in[0]["request"].path == api.url("login")
    assert api.get("conversations").status_code == 200


def test_it_logs_in_by_email(api, member):
    response = api.post("login", {"username": "MEMBER@example.com", "password": "member-pass-1"})
    assert response.status_code == 200
    assert response.json()["username"] == "member"


def test_it_answers_401_to_a_wrong_password_and_signals_the_failure_with_the_request(api, member):
    with Received(user_login_failed) as failed:
        response = api.post("login", {"username": "member", "password": "wrong"})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_credentials"
    assert len(failed) == 1
    assert failed[0]["credentials"]["username"] == "member"
    assert failed[0]["request"].path == api.url("login")
    assert api.get("conversations").status_code == 401


def test_it_answers_401_to_an_unknown_account(api):
    assert api.post("login", {"username": "nobody@example.com", "password": "whatever"}).status_code == 401
