"""Rates from an endpoint token config and token counts beyond the ledger's bounds are refused by the
services with LedgerInputError, and nothing is written."""

from __future__ import annotations

import pytest

from ledger import services
from ledger.models import Balance, Hold, Transaction
from ledger.validation import MAX_BALANCE, MAX_TOKENS, LedgerInputError
from tests.ledger.conftest import credits

pytestmark = pytest.mark.django_db
BAD_RATES = [1e308, 1e25, 1_000_001, -1, float("nan"), float("inf"), "NaN", "5", True, [1]]


@pytest.mark.parametrize("rate", BAD_RATES)
def test_it_refuses_bad_rates_in_an_endpoint_token_config(funded, rate):
    config = {"custom-x": {"prompt": rate, "completion": 1}}
    with pytest.raises(LedgerInputError, match=r"endpoint_token_config\['custom-x'\]\['prompt'\]"):
        services.spend_tokens(user=funded, model="custom-x", prompt_tokens=10, endpoint_token_config=config)
    with pytest.raises(LedgerInputError, match="endpoint_token_config"):
        services.spend_structured_tokens(
            user=funded, model="custom-x", prompt_tokens={"input": 1}, endpoint_token_config=config
        )
    with pytest.raises(LedgerInputError, match="endpoint_token_config"):
        services.check_balance(user=funded, model="custom-x", amount=10, endpoint_token_config=config)
    assert Transaction.objects.count() == 1  # the funding grant
    assert not Hold.objects.exists() and credits(funded) == 1_000_000


@pytest.mark.parametrize("config", [5, {"custom-x": 5}, {"custom-x": [1, 2]}])
def test_it_refuses_configs_of_the_wrong_shape(funded, config):
    with pytest.raises(LedgerInputError, match="must be a dict"):
        services.spend_tokens(user=funded, model="custom-x", prompt_tokens=10, endpoint_token_config=config)
    assert Transaction.objects.count() == 1


def test_it_refuses_token_counts_beyond_a_billion(funded):
    for count in (MAX_TOKENS + 1, -MAX_TOKENS - 1):
        with pytest.raises(LedgerInputError, match="beyond the limit of 1e"):
            services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=count)
        with pytest.raises(LedgerInputError, match="beyond"):
            services.check_balance(user=funded, model="gpt-4o", amount=count)
    assert Transaction.objects.count() == 1 and not Hold.objects.exists()


def test_it_refuses_a_grant_beyond_the_largest_balance(funded):
    Balance.objects.filter(user=funded).update(token_credits=MAX_BALANCE - 10**12)
    services.grant_credits(user=funded, amount=10**12)
    with pytest.raises(LedgerInputError, match="beyond the limit"):
        services.grant_credits(user=funded, amount=1)
    assert credits(funded) == MAX_BALANCE and Transaction.objects.count() == 2


def test_it_charges_the_largest_valid_rate_and_ignores_other_config_keys(funded):
    config = {"custom-x": {"prompt": 1e6, "completion": 0, "context": 128000}}
    result = services.spend_tokens(
        user=funded, model="custom-x", prompt_tokens=MAX_TOKENS, completion_tokens=5, endpoint_token_config=config
    )
    assert result.prompt.token_value == -1e15 and result.completion.token_value == 0
