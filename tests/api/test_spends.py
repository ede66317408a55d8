"""Plain and structured spends, single and batch; a message is charged once; batch items fail alone."""

from __future__ import annotations

import pytest

from ledger.models import Transaction

pytestmark = pytest.mark.django_db


def test_it_charges_a_plain_spend(api, balances_on):
    body = api.post(
        "spends",
        {"user": "u1", "model": "gpt-4o", "prompt_tokens": 100, "completion_tokens": 50, "conversation_id": "c1"},
    ).json()
    assert body["prompt"]["token_value"] == -250 and body["prompt"]["rate"] == 2.5
    assert body["completion"]["token_value"] == -500 and body["completion"]["conversation_id"] == "c1"
    assert body["balance"] == 20000 - 750


def test_it_charges_a_structured_spend(api, balances_on):
    body = api.post(
        "spends",
        {"user": "u1", "model": "claude-3-5-sonnet", "prompt_tokens": {"input": 10, "write": 5, "read": 100}},
    ).json()
    prompt = body["prompt"]
    assert (prompt["input_tokens"], prompt["write_tokens"], prompt["read_tokens"]) == (-10, -5, -100)
    assert body["completion"] is None
    assert Transaction.objects.get().raw_amount == -115


def test_it_charges_a_message_once(api, balances_on):
    spend = {"user": "u1", "model": "gpt-4o", "prompt_tokens": 100, "completion_tokens": 50, "message_id": "m1"}
    first = api.post("spends", spend).json()
    again = api.post("spends", spend).json()
    assert again["prompt"]["id"] == first["prompt"]["id"]
    assert Transaction.objects.count() == 2
    assert again["balance"] == first["balance"] == 20000 - 750


def test_it_reports_batch_items_one_by_one(api, balances_on):
    items = [
        {"user": "u1", "model": "gpt-4o", "prompt_tokens": 100},
        {"model": "gpt-4o", "prompt_tokens": 1},
        {"user": "u1", "model": "gpt-4o", "prompt_tokens": {"input": "lots"}},
        "not an object",
        {"user": "u2", "model": "gpt-4o", "completion_tokens": 10},
    ]
    body = api.post("spends/batch", {"items": items}).json()
    assert (body["succeeded"], body["failed"]) == (2, 3)
    results = body["results"]
    assert [r["ok"] for r in results] == [True, False, False, False, True]
    assert results[1]["status"] == 400
    assert results[1]["errors"] == [{"field": "user", "message": "This field is required."}]
    assert results[2]["errors"][0]["field"] == "prompt_tokens.input"
    assert results[3]["status"] == 400
    assert Transaction.objects.count() == 2


def test_it_refuses_an_empty_or_oversized_batch(api, settings):
    settings.API_MAX_BATCH_ITEMS = 2
    assert api.post("spends/batch", {"items": []}).status_code == 400
    item = {"user": "u1", "model": "gpt-4o", "prompt_tokens": 1}
    response = api.post("spends/batch", {"items": [item] * 3})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "items", "message": "At most 2 items per request."}]


def test_it_refuses_counts_beyond_the_ledgers_limits_naming_the_field(api):
    response = api.post("spends", {"user": "u1", "model": "gpt-4o", "completion_tokens": 1e13})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "completion_tokens"
    assert not Transaction.objects.exists()


@pytest.mark.parametrize("balances", [True, False])
def test_the_fast_spend_answer_is_the_serializers_answer(settings, balances):
    """row_payload and spend_payload skip DRF's machinery; they must say exactly what the documented
    serializers say (the OpenAPI schema describes those)."""
    from chatmon.api.serializers import ledger as s
    from ledger import services
    from tests.factories import UserFactory

    settings.LEDGER_BALANCE_ENABLED = balances
    result = services.spend_structured_tokens(
        user=UserFactory(), model="claude-3-5-sonnet", prompt_tokens={"input": 10, "write": 5, "read": 100},
        completion_tokens=7, conversation_id="c1", message_id="m1",
    )  # fmt: skip
    partial = services.spend_tokens(user=UserFactory(), model="gpt-4o", completion_tokens=3)
    for spent in (result, partial):
        assert s.spend_payload(spent) == s.SpendResultSerializer(spent).data
