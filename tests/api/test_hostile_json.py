"""Hostile JSON bodies get the API's 400 or 413 error body (`{message, request_id}`) with the same message as
every other chatmon endpoint, never a 500, and write nothing."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from auditlog.models import AuditEvent
from ledger.models import Transaction

VALID = {
    "spends": {"user": "u1", "model": "gpt-4o", "prompt_tokens": 100, "message_id": "m1", "context": "message"},
    "spends/calls": {"user": "u1", "items": [{"kind": "image", "name": "dall-e-3"}], "message_id": "m1"},
    "events/audit": {"events": [{"action": "auth.login", "user": "u1", "metadata": {"note": "@"}}]},
}
NESTED = "[" * 50_000 + "]" * 50_000  # 100 KB


def rows() -> tuple[int, int]:
    return Transaction.objects.count(), AuditEvent.objects.count()


def assert_refused(response, status: int) -> str:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["request_id"] == response["X-Request-ID"]
    return body["message"]


@pytest.mark.parametrize("path", list(VALID))
def test_it_answers_400_json_to_100_kb_of_nested_arrays(api, balances_on, path):
    before = rows()
    message = assert_refused(api.post(path, NESTED), 400)
    assert message == "The request body is not valid JSON: it nests deeper than 64 levels."
    assert rows() == before


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("spends", '{"user": "u1\\ud83d", "model": "gpt-4o", "prompt_tokens": 1}'),
        ("spends", '{"user": "u1", "model": "gpt-4o\\udc00", "prompt_tokens": 1}'),
        ("spends", '{"user": "u1", "model": "gpt-4o", "prompt_tokens": 1, "message_id": "\\ud83d"}'),
        ("events/audit", '{"events": [{"action": "auth.login", "user": "u1", "metadata": {"note": "\\ud83d"}}]}'),
        ("events/audit", '{"events": [{"action": "auth.login", "user": "u1", "metadata": {"\\ud83d": 1}}]}'),
        ("events/audit", '{"events": [{"action": "auth.login", "user": "\\ud83d"}]}'),
    ],
)
def test_it_answers_400_json_to_a_lone_surrogate(api, balances_on, path, text):
    before = rows()
    assert "lone surrogate" in assert_refused(api.post(path, text), 400)
    assert rows() == before


@pytest.mark.parametrize("path", list(VALID))
def test_it_answers_413_json_to_a_10_mb_body(api, balances_on, path):
    before = rows()
    body = {**VALID[path], "padding": "x" * (10 * 1024 * 1024)}
    assert "the limit is" in assert_refused(api.post(path, body), 413)
    assert rows() == before


@pytest.mark.parametrize("path", list(VALID))
def test_it_answers_400_json_to_bytes_that_are_not_utf8(api, balances_on, path):
    before = rows()
    raw = json.dumps(VALID[path]).encode().replace(b"gpt-4o", b"gpt-\xff").replace(b"u1", b"u\xc3")
    assert "is not UTF-8" in assert_refused(api.post(path, raw), 400)
    assert rows() == before


def test_it_answers_a_hostile_body_with_the_message_the_chat_app_gives(api, client, member):
    client.force_login(member)
    from_chat_app = client.post(reverse("chatapp:chat"), NESTED, content_type="application/json").json()
    assert from_chat_app["message"] == api.post("spends", NESTED).json()["message"]
