"""spend_structured_tokens: prompt caches billed at cache rates, falling back to the input rate."""

from __future__ import annotations

import pytest

from ledger import services

pytestmark = pytest.mark.django_db


def test_it_bills_cache_writes_and_reads_at_their_rates(funded):
    result = services.spend_structured_tokens(
        user=funded,
        model="claude-3-5-sonnet",
        prompt_tokens={"input": 10, "write": 100, "read": 1000},
        completion_tokens=5,
    )
    prompt = result.prompt
    assert prompt.token_value == -(10 * 3 + 100 * 3.75 + 1000 * 0.3)
    assert (prompt.raw_amount, prompt.input_tokens, prompt.write_tokens, prompt.read_tokens) == (
        -1110,
        -10,
        -100,
        -1000,
    )
    assert prompt.rate == pytest.approx(705 / 1110)
    assert result.completion.token_value == -75
    assert result.balance == 1_000_000 - 780


def test_it_falls_back_to_the_input_rate_without_cache_rates(funded):
    result = services.spend_structured_tokens(
        user=funded, model="claude-3-opus", prompt_tokens={"input": 10, "write": 10, "read": 10}
    )
    assert result.prompt.token_value == -450 and result.prompt.rate == 15


def test_it_uses_the_premium_input_rate_but_never_premium_cache_rates(funded):
    result = services.spend_structured_tokens(
        user=funded, model="gpt-5.4", prompt_tokens={"input": 272000, "read": 1000}, completion_tokens=1
    )
    assert result.prompt.token_value == -(272000 * 5 + 1000 * 0.25)
    assert result.completion.rate == 22.5


def test_it_skips_zero_completions_and_writes_zero_prompts(funded):
    result = services.spend_structured_tokens(user=funded, model="gpt-4o", prompt_tokens={}, completion_tokens=0)
    assert result.completion is None
    assert (result.prompt.token_value, result.prompt.rate) == (0, 2.5)
    assert services.spend_structured_tokens(user=funded, model="gpt-4o") == services.SpendResult(None, None, None)


def test_it_clamps_negative_parts_to_zero(funded):
    result = services.spend_structured_tokens(
        user=funded, model="gpt-4o", prompt_tokens={"input": -10, "write": 4, "read": -1}, completion_tokens=-3
    )
    assert result.prompt.token_value == -10 and result.prompt.input_tokens == 0
    assert result.completion.token_value == 0
