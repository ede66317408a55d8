"""Rates: LibreChat T2 getMultiplier, getCacheMultiplier and getPremiumRate."""

from __future__ import annotations

import pytest

from ledger import pricing


def test_it_prices_by_model_and_token_type():
    assert pricing.multiplier(model="gpt-4o", token_type="prompt") == 2.5
    assert pricing.multiplier(model="gpt-4o", token_type="completion") == 10
    assert pricing.multiplier(value_key="claude-3-opus", token_type="completion") == 75
    assert pricing.multiplier(model="gpt-4", token_type="prompt") == 30


def test_it_falls_back_to_6_or_1():
    assert pricing.multiplier(model="some-unrecognized-model-xyz", token_type="prompt") == 6
    assert pricing.multiplier(value_key="no-such-key", token_type="prompt") == 6
    assert pricing.multiplier(value_key="gpt-4o", token_type="credits") == 6
    assert pricing.multiplier(model="gpt-4o", token_type="credits") == 6
    assert pricing.multiplier(token_type="credits") == 1
    assert pricing.multiplier(model="gpt-4o") == 1
    assert pricing.multiplier() == 1


def test_it_uses_a_partial_endpoint_token_config_for_listed_models_only():
    config = {"my-model": {"prompt": 0.7, "completion": 1.9}, "gpt-4o": {"prompt": 9}}
    assert pricing.multiplier(model="my-model", token_type="completion", endpoint_token_config=config) == 1.9
    assert pricing.multiplier(model="gpt-4o", token_type="completion", endpoint_token_config=config) == 6
    assert pricing.multiplier(model="gpt-4o-mini", token_type="prompt", endpoint_token_config=config) == 0.15
    assert pricing.cache_multiplier(model="my-model", cache_type="read", endpoint_token_config=config) is None
    assert pricing.cache_multiplier(model="gpt-4o-mini", cache_type="read", endpoint_token_config=config) == 0.075


@pytest.mark.parametrize(
    ("count", "prompt", "completion"),
    [(None, 2.5, 15), (272000, 2.5, 15), (272001, 5, 22.5), (1_000_000, 5, 22.5)],
)
def test_it_applies_premium_tiers_strictly_above_the_threshold(count, prompt, completion):
    assert pricing.multiplier(model="gpt-5.4", token_type="prompt", input_token_count=count) == prompt
    assert pricing.multiplier(value_key="gpt-5.4", token_type="completion", input_token_count=count) == completion


def test_it_reports_premium_rates_only_for_tiered_keys():
    assert pricing.premium_rate("gemini-3.1", "prompt", 200001) == 4
    assert pricing.premium_rate("gemini-3.1", "prompt", 200000) is None
    assert pricing.premium_rate("gemini-3.1", "prompt", None) is None
    assert pricing.premium_rate("gpt-4o", "prompt", 10**9) is None
    # T2 dropped claude-opus-4-6's premium tier.
    assert pricing.premium_rate("claude-opus-4-6", "prompt", 10**9) is None
    assert pricing.multiplier(model="claude-opus-4-6", token_type="prompt", input_token_count=10**9) == 5


def test_it_returns_cache_rates_or_none():
    assert pricing.cache_multiplier(model="claude-3-5-sonnet-20241022", cache_type="write") == 3.75
    assert pricing.cache_multiplier(value_key="claude-3-5-sonnet", cache_type="read") == 0.3
    assert pricing.cache_multiplier(model="gpt-4o", cache_type="read") == 1.25
    assert pricing.cache_multiplier(model="claude-3-opus", cache_type="write") is None
    assert pricing.cache_multiplier(model="unknown-thing", cache_type="write") is None
    assert pricing.cache_multiplier(value_key="gpt-4o", cache_type="bogus") is None
    assert pricing.cache_multiplier(cache_type="write") is None
    assert pricing.cache_multiplier(model="gpt-4o") is None
