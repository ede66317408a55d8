"""Every endpoint refuses a request without a key, with a bad, revoked or expired key, or without its scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from chatmon.api import keys
from chatmon.api.models import ApiKey, Scope

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    ("post", "balance/check", Scope.LEDGER_WRITE, {"user": "u1", "model": "gpt-4o", "amount": 10}),
    ("post", "holds/999999/release", Scope.LEDGER_WRITE, {}),
    ("post", "spends", Scope.LEDGER_WRITE, {"user": "u1", "model": "gpt-4o", "prompt_tokens": 1}),
    ("post", "spends/batch", Scope.LEDGER_WRITE, {"items": [{"user": "u1", "model": "gpt-4o", "prompt_tokens": 1}]}),
    ("post", "spends/calls", Scope.LEDGER_WRITE, {"user": "u1", "items": [{"kind": "web_search"}]}),
    ("post", "spends/calls/batch", Scope.LEDGER_WRITE, {"items": [{"user": "u1", "items": [{"kind": "web_search"}]}]}),
    ("post", "grants", Scope.LEDGER_GRANT, {"user": "u1", "amount": 5}),
    ("get", "balance", Scope.LEDGER_READ, {"user": "u1"}),
    ("get", "transactions", Scope.LEDGER_READ, {"user": "u1"}),
    ("post", "violations", Scope.VIOLATIONS_WRITE, {"user": "u1", "type": "logins"}),
    ("get", "bans/check", Scope.BANS_READ, {"user": "u1"}),
    ("post", "events/audit", Scope.EVENTS_WRITE, {"events": [{"action": "auth.login", "user": "u1"}]}),
    ("post", "events/features", Scope.EVENTS_WRITE, {"events": [{"name": "message.copied"}]}),
    ("post", "experiments/no-such/assignment", Scope.EXPERIMENTS, {"user": "u1"}),
    ("post", "timings", Scope.EVENTS_WRITE, {"timings": [{"route": "/r", "method": "GET", "status": 200,
                                                          "duration_ms": 3}]}),
]  # fmt: skip
IDS = [f"{method} {path}" for method, path, _, _ in ENDPOINTS]


def call(api, method, path, body):
    return getattr(api, method)(path, body)


def assert_error(response, status: int, words: str) -> None:
    assert response.status_code == status
    body = response.json()
    assert words in body["message"]
    assert body["request_id"] == response["X-Request-ID"]


@pytest.mark.parametrize(("method", "path", "scope", "body"), ENDPOINTS, ids=IDS)
def test_it_answers_401_without_a_key(make_api, method, path, scope, body):
    response = call(make_api(None), method, path, body)
    assert_error(response, 401, "API key")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "path", "scope", "body"), ENDPOINTS, ids=IDS)
def test_it_answers_403_to_a_key_without_the_scope(make_api, method, path, scope, body):
    others = [other for other in Scope.values if other != scope]
    assert_error(call(make_api(*others), method, path, body), 403, scope)


@pytest.mark.parametrize(("method", "path", "scope", "body"), ENDPOINTS, ids=IDS)
def test_it_serves_a_key_with_the_scope(make_api, method, path, scope, body):
    response = call(make_api(scope), method, path, body)
    expected = 404 if path.startswith(("holds/", "experiments/no-such/")) else 200
    assert response.status_code == expected, response.content


def test_it_refuses_unknown_revoked_and_expired_keys(make_api):
    api = make_api(Scope.LEDGER_READ)
    prefix = api.secret.split(".")[0]
    api.secret = f"{prefix}.wrong-secret"
    assert_error(api.get("balance", {"user": "u1"}), 401, "Invalid")

    revoked = make_api(Scope.LEDGER_READ)
    assert keys.revoke_key(ApiKey.objects.get(prefix=revoked.secret.split(".")[0])) is True
    assert_error(revoked.get("balance", {"user": "u1"}), 401, "revoked")

    expired = make_api(Scope.LEDGER_READ, expires_at=timezone.now() - timedelta(seconds=1))
    assert_error(expired.get("balance", {"user": "u1"}), 401, "expired")


def test_it_accepts_the_key_in_the_x_api_key_header_and_records_its_last_use(make_api):
    api = make_api(Scope.LEDGER_READ)
    key = ApiKey.objects.get(prefix=api.secret.split(".")[0])
    assert key.last_used_at is None
    response = api.client.get("/api/v1/balance", {"user": "u1"}, headers={"X-API-Key": api.secret})
    assert response.status_code == 200
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_it_stores_only_a_hash_of_the_key(make_api):
    api = make_api(Scope.LEDGER_READ)
    key = ApiKey.objects.get(prefix=api.secret.split(".")[0])
    assert api.secret not in key.hashed_key
    assert key.hashed_key.startswith("sha512$$")


def test_it_refuses_to_create_a_key_with_an_unknown_scope(db):
    with pytest.raises(ValueError, match="unknown scopes"):
        keys.create_key(name="bad", scopes=["ledger:everything"])
