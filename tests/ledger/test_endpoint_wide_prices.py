"""A '*' entry in an endpoint's token config prices every model of the endpoint not listed by name, and a free
endpoint (LEDGER_FREE_ENDPOINTS) charges nothing while still writing its rows, so usage is counted."""

from __future__ import annotations

import pytest

from ledger import conf, pricing, services
from ledger.models import Balance, Hold, Transaction
from tests.ledger.conftest import credits

pytestmark = pytest.mark.django_db

CONFIG = {"my-model": {"prompt": 1, "completion": 2}, "*": {"prompt": 0.5, "completion": 0.75, "read": 0.1}}


def test_the_star_entry_prices_unlisted_models_and_listed_models_keep_their_own():
    assert pricing.multiplier(model="gpt-4o", token_type="prompt", endpoint_token_config=CONFIG) == 0.5
    assert pricing.multiplier(model="anything-else", token_type="completion", endpoint_token_config=CONFIG) == 0.75
    assert pricing.multiplier(model="my-model", token_type="prompt", endpoint_token_config=CONFIG) == 1
    assert pricing.multiplier(model="gpt-4o", token_type="prompt", endpoint_token_config={"*": {}}) == 6
    # Without a '*' entry an unlisted model falls through to the shipped table (LibreChat T2).
    assert pricing.multiplier(model="gpt-4o", token_type="prompt", endpoint_token_config={"my-model": {}}) == 2.5


def test_the_star_entry_prices_cache_tokens_too():
    assert pricing.cache_multiplier(model="claude-sonnet-4", cache_type="read", endpoint_token_config=CONFIG) == 0.1
    assert pricing.cache_multiplier(model="claude-sonnet-4", cache_type="write", endpoint_token_config=CONFIG) is None


def test_spends_and_checks_use_the_star_entry(funded):
    result = services.spend_structured_tokens(
        user=funded,
        model="llama-3.1-70b",
        prompt_tokens={"input": 100, "write": 10, "read": 1000},
        completion_tokens=10,
        endpoint_token_config=CONFIG,
    )
    # write has no rate in '*', so it costs the input rate, as for a listed model
    assert result.prompt.token_value == -(100 * 0.5 + 10 * 0.5 + 1000 * 0.1)
    assert result.completion.token_value == -7.5
    check = services.check_balance(user=funded, model="llama-3.1-70b", amount=1000, endpoint_token_config=CONFIG)
    assert check.token_cost == 500


@pytest.fixture
def ollama_free(settings):
    settings.LEDGER_FREE_ENDPOINTS = ["ollama"]


def test_a_free_endpoint_writes_zero_value_rows_that_still_count_usage(funded, ollama_free):
    plain = services.spend_tokens(
        user=funded, model="gpt-4o", prompt_tokens=1000, completion_tokens=100, endpoint="ollama", message_id="f1"
    )
    cached = services.spend_structured_tokens(
        user=funded, model="claude-sonnet-4", prompt_tokens={"input": 10, "write": 20, "read": 30}, endpoint="ollama"
    )
    calls = services.spend_calls(user=funded, items=[{"kind": "image", "name": "dall-e-3"}], endpoint="ollama")
    rows = [plain.prompt, plain.completion, cached.prompt, *calls.rows]
    assert [row.rate for row in rows] == [0, 0, 0, 0]
    assert [row.token_value for row in rows] == [0, 0, 0, 0]
    assert [row.raw_amount for row in rows] == [-1000, -100, -60, -1]
    assert [row.endpoint for row in rows] == ["ollama"] * 4
    assert credits(funded) == 1_000_000
    assert Transaction.objects.spends().count() == 4


def test_other_endpoints_are_charged_as_usual(funded, ollama_free):
    result = services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=1000, endpoint="openAI")
    assert result.prompt.rate == 2.5


def test_a_free_endpoint_is_admitted_without_credits_or_a_hold(member, balances_on, ollama_free):
    balances_on.LEDGER_START_BALANCE = 0
    check = services.check_balance(user=member, model="llama3", amount=10**6, endpoint="ollama")
    assert check.allowed and check.token_cost == 0 and check.hold is None
    assert not Hold.objects.exists() and Balance.objects.get(user=member).token_credits == 0
    assert not services.check_balance(user=member, model="llama3", amount=10, endpoint="openAI").allowed


def test_free_endpoints_come_from_a_list_or_a_comma_separated_string(settings):
    settings.LEDGER_FREE_ENDPOINTS = " ollama, vllm ,,"
    assert conf.free_endpoints() == {"ollama", "vllm"}
    settings.LEDGER_FREE_ENDPOINTS = ("lmstudio",)
    assert conf.free_endpoints() == {"lmstudio"}
    del settings.LEDGER_FREE_ENDPOINTS
    assert conf.free_endpoints() == frozenset()
