"""Hostile JSON bodies (deep nesting, lone surrogates, 10 MB, bytes that are not UTF-8) get a 400 or 413 JSON
answer from every JSON endpoint of the chat app, never a 500 or an HTML page, and write nothing."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model

from auditlog.models import AuditEvent
from examples.chatapp.models import Conversation, Message
from ledger.models import Transaction

VALID = {
    "register": {"username": "newbie", "email": "newbie@example.com", "password": "a-long-pass-phrase-1"},
    "login": {"username": "member", "password": "member-pass-1"},
    "conversations": {"title": "hello", "model": "gpt-4o"},
    "conversation": {"title": "renamed"},
    "chat": {"model": "gpt-4o", "text": "hi"},
}
TEXT_FIELDS = [(name, field) for name, body in VALID.items() for field in body]
NESTED = "[" * 50_000 + "]" * 50_000  # 100 KB


@pytest.fixture
def send(api, member_api, member):
    """send(name, raw body) -> response: login and register as an anonymous caller, the rest as a member."""
    conversation = Conversation.objects.create(user=member, title="kept", model="gpt-4o")

    def send(name: str, body: bytes | str):
        client = api.client if name in ("register", "login") else member_api.client
        if name == "conversation":
            return client.patch(member_api.url(name, pk=conversation.pk), body, content_type="application/json")
        return client.post(member_api.url(name), body, content_type="application/json")

    return send


@pytest.fixture
def rows():
    def count() -> dict[str, int]:
        return {
            "users": get_user_model().objects.count(),
            "conversations": Conversation.objects.count(),
            "titles": Conversation.objects.filter(title="kept").count(),
            "messages": Message.objects.count(),
            "audit": AuditEvent.objects.count(),
            "transactions": Transaction.objects.count(),
        }

    return count


def assert_refused(response, status: int, error: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"] == error
    return body


@pytest.mark.parametrize("name", list(VALID))
def test_it_answers_400_json_to_100_kb_of_nested_arrays(send, rows, name):
    before = rows()
    body = assert_refused(send(name, NESTED), 400, "invalid_json")
    assert body["message"] == "The request body is not valid JSON: it nests deeper than 64 levels."
    assert rows() == before


@pytest.mark.parametrize("name", list(VALID))
def test_it_answers_400_json_to_nesting_inside_a_field(send, rows, name):
    before = rows()
    field = next(iter(VALID[name]))
    raw = json.dumps({**VALID[name], field: "@"}).replace('"@"', "[" * 65 + "]" * 65)
    assert "deeper than 64" in assert_refused(send(name, raw), 400, "invalid_json")["message"]
    assert rows() == before


@pytest.mark.parametrize(("name", "field"), TEXT_FIELDS)
def test_it_answers_400_json_to_a_lone_surrogate_in_each_text_field(send, rows, name, field):
    before = rows()
    raw = json.dumps({**VALID[name], field: "x\ud83d"})  # sent as the escape "x\ud83d"
    assert "\\ud83d" in raw
    body = assert_refused(send(name, raw), 400, "invalid_json")
    assert "lone surrogate" in body["message"]
    assert rows() == before


@pytest.mark.parametrize("name", list(VALID))
def test_it_answers_413_json_to_a_10_mb_body(send, rows, name):
    before = rows()
    field = next(iter(VALID[name]))
    raw = json.dumps({**VALID[name], field: "x" * (10 * 1024 * 1024)})
    body = assert_refused(send(name, raw), 413, "too_large")
    assert "the limit is" in body["message"]
    assert rows() == before


@pytest.mark.parametrize("name", list(VALID))
def test_it_answers_400_json_to_bytes_that_are_not_utf8(send, rows, name):
    before = rows()
    field = next(iter(VALID[name]))
    raw = json.dumps({**VALID[name], field: "@"}).encode().replace(b"@", b"\xff\xfe")
    assert "is not UTF-8" in assert_refused(send(name, raw), 400, "invalid_json")["message"]
    assert rows() == before


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_it_refuses_non_finite_number_literals(send, literal):
    raw = json.dumps({"model": "gpt-4o", "text": "hi", "max_tokens": "@"}).replace('"@"', literal)
    assert "is not a JSON number" in assert_refused(send("chat", raw), 400, "invalid_json")["message"]


def test_it_still_accepts_real_astral_characters(member_api):
    response = member_api.post("conversations", {"title": "smile \U0001f600", "model": "gpt-4o"})
    assert response.status_code == 201
    assert Conversation.objects.get().title == "smile \U0001f600"


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (NESTED, 400),
        ('{"username": "member\\ud83d", "password": "member-pass-1"}', 400),
        ('{"username": "\\ud83d", "password": "x"}', 400),
        ('{"username": "member", "password": "' + "x" * (10 * 1024 * 1024) + '"}', 413),
        (b'{"username": "\xff", "password": "x"}', 400),
    ],
)
def test_it_answers_json_while_the_ban_check_peeks_at_a_login(bans_on, send, rows, raw, status):
    # With bans on, the ban check reads the login's user name before the view: it must not raise either.
    before = rows()
    assert_refused(send("login", raw), status, "too_large" if status == 413 else "invalid_json")
    assert rows() == before
