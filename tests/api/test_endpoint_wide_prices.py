"""Through the API: a '*' entry of an endpoint token config prices every unlisted model, and a free endpoint's
spends and checks cost nothing while their rows are still written."""

from __future__ import annotations

import pytest

from ledger.models import Transaction

pytestmark = pytest.mark.django_db


def test_a_star_entry_prices_every_model_not_listed(api, balances_on):
    config = {"house-model": {"prompt": 1, "completion": 1}, "*": {"prompt": 0.5, "completion": 2}}
    body = api.post(
        "spends",
        {
            "user": "u1",
            "model": "gpt-4o",
            "prompt_tokens": 100,
            "completion_tokens": 10,
            "endpoint_token_config": config,
        },
    ).json()
    assert (body["prompt"]["rate"], body["completion"]["rate"]) == (0.5, 2)
    check = api.post(
        "balance/check", {"user": "u1", "model": "anything", "amount": 1000, "endpoint_token_config": config}
    ).json()
    assert check["token_cost"] == 500


def test_a_bad_rate_in_the_star_entry_is_a_400(api):
    response = api.post(
        "spends",
        {"user": "u1", "model": "m", "prompt_tokens": 1, "endpoint_token_config": {"*": {"prompt": 1e300}}},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "endpoint_token_config.*.prompt"


def test_a_free_endpoint_counts_usage_and_charges_nothing(api, balances_on, settings):
    settings.LEDGER_FREE_ENDPOINTS = ["ollama"]
    balances_on.LEDGER_START_BALANCE = 0
    check = api.post("balance/check", {"user": "u1", "model": "llama3", "amount": 10**6, "endpoint": "ollama"}).json()
    assert check["allowed"] and check["token_cost"] == 0 and check["hold_id"] is None
    body = api.post(
        "spends",
        {"user": "u1", "model": "llama3", "endpoint": "ollama", "prompt_tokens": 5000, "completion_tokens": 700},
    ).json()
    assert body["balance"] == 0 and body["prompt"]["token_value"] == 0 and body["completion"]["raw_amount"] == -700
    assert Transaction.objects.spends().count() == 2
