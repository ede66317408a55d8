"""A number the ledger cannot hold is a 400 naming its field, and the request writes nothing (the hardening
issue's defect 1: a rate of 1e308 once committed rows with value -inf and broke every page reading them)."""

from __future__ import annotations

import pytest

from ledger.models import Balance, Hold, Transaction

pytestmark = pytest.mark.django_db


def assert_refused(response, field: str) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["request_id"] == response["X-Request-ID"]
    assert field in [error["field"] for error in body["errors"]], body
    assert not Transaction.objects.exists()
    assert not Hold.objects.exists()


def spend(config=None, **fields) -> dict:
    body = {"user": "u1", "model": "custom-x", "prompt_tokens": 10, "completion_tokens": 5, **fields}
    if config is not None:
        body["endpoint_token_config"] = {"custom-x": config}
    return body


def test_it_refuses_the_reported_1e308_rate_and_writes_nothing(api, balances_on):
    response = api.post("spends", spend({"prompt": 1e308, "completion": 1}))

    assert_refused(response, "endpoint_token_config.custom-x.prompt")
    assert not Balance.objects.filter(token_credits__lt=0).exists()


@pytest.mark.parametrize("rate", ["NaN", "Infinity", "-Infinity", "lots", 1e25, 1_000_001, -1, [1], {"a": 1}])
def test_it_refuses_rates_that_are_not_valid(api, balances_on, rate):
    assert_refused(api.post("spends", spend({"completion": rate})), "endpoint_token_config.custom-x.completion")
    assert_refused(
        api.post("balance/check", {"user": "u1", "model": "custom-x", "amount": 10,
                                   "endpoint_token_config": {"custom-x": {"prompt": rate}}}),
        "endpoint_token_config.custom-x.prompt",
    )  # fmt: skip


def test_it_refuses_a_model_whose_rates_are_not_an_object(api, balances_on):
    assert_refused(api.post("spends", spend(5)), "endpoint_token_config.custom-x")


def test_it_refuses_bare_nan_in_json(api, balances_on):
    body = '{"user": "u1", "model": "custom-x", "prompt_tokens": NaN}'
    response = api.post("spends", body)

    assert response.status_code == 400 and "not valid JSON: NaN" in response.json()["message"]
    assert not Transaction.objects.exists()


@pytest.mark.parametrize("count", [1_000_000_001, -1e10, 1e308, "NaN", "Infinity"])
def test_it_refuses_huge_or_non_finite_token_counts(api, balances_on, count):
    assert_refused(api.post("spends", spend(completion_tokens=count)), "completion_tokens")
    assert_refused(api.post("spends", spend(prompt_tokens={"input": 1, "read": count})), "prompt_tokens.read")
    assert_refused(api.post("balance/check", {"user": "u1", "model": "gpt-4o", "amount": count}), "amount")


def test_it_refuses_a_bad_batch_item_alone(api, balances_on):
    items = [spend({"prompt": 1e308}), spend({"prompt": 2, "completion": 3})]
    body = api.post("spends/batch", {"items": items}).json()

    assert [result["ok"] for result in body["results"]] == [False, True]
    assert body["results"][0]["status"] == 400
    assert body["results"][0]["errors"][0]["field"] == "endpoint_token_config.custom-x.prompt"
    assert Transaction.objects.count() == 2


def test_it_charges_the_largest_valid_rate_and_counts(api, balances_on):
    response = api.post("spends", spend({"prompt": 1e6, "completion": 1e6, "context": 128000},
                                         prompt_tokens=1e9, completion_tokens=1e9))  # fmt: skip

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["prompt"]["token_value"] == -1e15 and body["completion"]["rate"] == 1e6
    assert body["balance"] == 0
