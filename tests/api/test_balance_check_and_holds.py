"""Balance check with hold, denial with LibreChat's payload, hold release, spend settling the hold."""

from __future__ import annotations

import pytest

from ledger.models import Hold

pytestmark = pytest.mark.django_db

CHECK = {"user": "u1", "model": "gpt-4o", "amount": 1000}  # gpt-4o prompt rate 2.5: cost 2500


def test_it_admits_and_holds_the_cost(api, balances_on):
    body = api.post("balance/check", CHECK).json()
    assert body["allowed"] is True
    assert body["balance"] == 20000 and body["token_cost"] == 2500 and body["prompt_tokens"] == 1000
    assert body["denial"] is None and body["refill_at"] is None
    hold = Hold.objects.get(pk=body["hold_id"])
    assert hold.amount == 2500 and hold.status == Hold.Status.ACTIVE
    assert api.get("balance", {"user": "u1"}).json() == {
        "user": "u1", "source": "librechat", "balance": 20000.0, "held_credits": 2500.0,
    }  # fmt: skip


def test_it_denies_with_librechats_payload_when_held_credits_leave_too_little(api, balances_on):
    for _ in range(8):
        assert api.post("balance/check", CHECK).json()["allowed"] is True
    body = api.post("balance/check", CHECK).json()
    assert body["allowed"] is False and body["hold_id"] is None
    assert body["balance"] == 0
    assert body["denial"] == {"type": "token_balance", "balance": 0.0, "tokenCost": 2500.0, "promptTokens": 1000.0}


def test_it_releases_a_hold_once(api, balances_on):
    hold_id = api.post("balance/check", CHECK).json()["hold_id"]
    assert api.post(f"holds/{hold_id}/release").json() == {"released": True}
    assert api.post(f"holds/{hold_id}/release").json() == {"released": False}
    assert Hold.objects.get(pk=hold_id).status == Hold.Status.RELEASED
    assert api.get("balance", {"user": "u1"}).json()["held_credits"] == 0


def test_it_answers_404_for_an_unknown_hold(api):
    response = api.post("holds/424242/release")
    assert response.status_code == 404
    assert response.json()["request_id"] == response["X-Request-ID"]


def test_it_settles_the_hold_with_the_spend(api, balances_on):
    hold_id = api.post("balance/check", CHECK).json()["hold_id"]
    spent = api.post("spends", {"user": "u1", "model": "gpt-4o", "prompt_tokens": 1000, "completion_tokens": 10})
    assert spent.json()["balance"] == 20000 - 2500 - 100
    assert Hold.objects.get(pk=hold_id).status == Hold.Status.SETTLED


def test_it_admits_everyone_unheld_with_balances_off(api):
    body = api.post("balance/check", CHECK).json()
    assert body["allowed"] is True and body["hold_id"] is None
