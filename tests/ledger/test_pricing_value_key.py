"""Model name -> pricing key: LibreChat T2's longest match with vendor-segment preference and legacy aliases."""

from __future__ import annotations

import pytest

from ledger import pricing


@pytest.mark.parametrize(
    ("model", "key"),
    [
        ("gpt-4o", "gpt-4o"),
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("gpt-4o-2024-05-13", "gpt-4o-2024-05-13"),
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("openai/gpt-4o", "gpt-4o"),
        ("oai/gpt-4.1-mini", "gpt-4.1-mini"),
        ("gpt-5.4-pro-2026", "gpt-5.4-pro"),
        ("claude-3-5-sonnet-latest", "claude-3-5-sonnet"),
        ("anthropic/claude-3.7-sonnet", "claude-3.7-sonnet"),
        ("bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0", "claude-3-5-sonnet"),
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("GLM-4.5-Air", "glm-4.5-air"),
        ("z-ai/glm-4.6", "glm-4.6"),
        ("qwen3-4b", "qwen3"),
        ("gpt-oss-570b", "gpt-oss"),
        ("deepseek-coder", "deepseek"),
        ("moonshotai/kimi-k2", "kimi-k2"),
        ("kimi-k2-0905-preview", "kimi-k2-0905-preview"),
        ("meta.llama3-1-405b-instruct-v1:0", "llama3-1-405b"),
        ("command-text-v14", "command-text"),
        ("grok-4-1-fast-reasoning", "grok-4-1-fast"),
    ],
)
def test_it_finds_the_longest_key_preferring_the_vendor_segment(model, key):
    assert pricing.value_key(model) == key


@pytest.mark.parametrize(
    ("model", "key"),
    [
        ("gpt-4", "8k"),
        ("gpt-4-0613", "8k"),
        ("gpt-4-32k-0613", "32k"),
        ("gpt-4-vision-preview", "gpt-4-1106"),
        ("gpt-4-0125-preview", "gpt-4-1106"),
        ("gpt-4-turbo-2024-04-09", "gpt-4-1106"),
        ("gpt-3.5-turbo", "4k"),
        ("gpt-3.5-turbo-16k", "16k"),
        ("gpt-3.5-turbo-0125", "gpt-3.5-turbo-0125"),
        ("some-model-8k", "8k"),
    ],
)
def test_it_maps_legacy_openai_names_to_legacy_keys(model, key):
    assert pricing.value_key(model) == key


@pytest.mark.parametrize("model", [None, "", 42, "gpt-10-some-other-info", "some-unrecognized-model-xyz"])
def test_it_returns_none_for_unknown_or_invalid_models(model):
    assert pricing.value_key(model) is None


def test_it_skips_pattern_matching_for_an_endpoint_named_like_a_key():
    assert pricing.value_key("deepseek-chat") == "deepseek-chat"
    assert pricing.value_key("deepseek-chat", endpoint="openAI") == "deepseek-chat"
    # LibreChat's quirk: endpoint "deepseek" is itself a pricing key, so only the legacy aliases apply.
    assert pricing.value_key("deepseek-chat", endpoint="deepseek") is None
    assert pricing.value_key("gpt-4-turbo", endpoint="grok") == "gpt-4-1106"


def test_it_ships_the_whole_t2_table():
    table = pricing.shipped()
    assert len(table.token_values) == 247
    assert len(table.cache_values) == 62
    assert set(table.premium_values) == {"gemini-3.1", "gpt-5.4", "gpt-5.4-pro", "gpt-5.5", "gpt-5.5-pro"}
    assert table.default_rate == 6
    assert table.token_values["kimi"] == {"prompt": 0.6, "completion": 2.5}
    assert table.token_values["claude-sonnet-5"] == {"prompt": 2, "completion": 10}
    assert table.cache_values["gpt-4o"] == {"write": 2.5, "read": 1.25}
