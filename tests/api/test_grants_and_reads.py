"""Grants (own scope, audited with the key as actor), balance read and paginated transaction history."""

from __future__ import annotations

import pytest

from auditlog.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_it_grants_credits_and_audits_the_key_as_actor(make_api, balances_on):
    api = make_api("ledger:grant", "ledger:read")
    body = api.post("grants", {"user": "u1", "amount": 5000, "reason": "support ticket 7"}).json()
    assert body["balance"] == 25000
    assert body["transaction"]["token_type"] == "credits" and body["transaction"]["reason"] == "support ticket 7"
    event = AuditEvent.objects.get(action="ledger.credits_granted")
    assert event.actor_label == "api-key:test-key-0"
    assert event.metadata["amount"] == 5000
    assert api.post("grants", {"user": "u1", "amount": -30000}).json()["balance"] == 0


def test_it_refuses_a_zero_grant(api):
    response = api.post("grants", {"user": "u1", "amount": 0})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "amount", "message": "Must not be zero."}]


def test_it_pages_through_transactions_newest_first(api, balances_on):
    for tokens in range(1, 6):
        api.post("spends", {"user": "u1", "model": "gpt-4o", "prompt_tokens": tokens})
    seen, page = [], api.get("transactions", {"user": "u1", "page_size": 2}).json()
    while True:
        seen += [row["raw_amount"] for row in page["results"]]
        if not page["next"]:
            break
        page = api.client.get(page["next"], headers=api.headers({})).json()
    assert seen == [-5, -4, -3, -2, -1]


def test_it_reads_the_balance_of_the_named_source_only(api, balances_on):
    api.post("grants", {"user": "u1", "amount": 100, "source": "email"})
    assert api.get("balance", {"user": "u1", "source": "email"}).json()["balance"] == 20100
    assert api.get("balance", {"user": "u1"}).json()["balance"] == 0
