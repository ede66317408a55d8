"""spend_tokens: LibreChat's values and rules for prompt and completion rows."""

from __future__ import annotations

import pytest

from ledger import services
from ledger.models import Balance, Transaction
from tests.ledger.conftest import credits

pytestmark = pytest.mark.django_db


def test_it_charges_prompt_and_completion_at_the_model_rates(funded):
    result = services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=100, completion_tokens=50)
    assert (result.prompt.raw_amount, result.prompt.rate, result.prompt.token_value) == (-100, 2.5, -250)
    assert (result.completion.raw_amount, result.completion.rate, result.completion.token_value) == (-50, 10, -500)
    assert result.prompt.value_key == "gpt-4o"
    assert result.balance == credits(funded) == 1_000_000 - 750
    assert (result.prompt.balance_before, result.prompt.balance_after) == (1_000_000, 999_750)
    assert (result.completion.balance_before, result.completion.balance_after) == (999_750, 999_250)


def test_it_follows_librechat_for_zero_missing_and_negative_counts(funded):
    only_prompt = services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=10)
    assert only_prompt.completion is None
    zero = services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=0, completion_tokens=0)
    assert zero.prompt.token_value == 0 and zero.completion.token_value == 0
    negative = services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=-5, completion_tokens=-7)
    assert negative.prompt.raw_amount == 0 and negative.completion.token_value == 0
    nothing = services.spend_tokens(user=funded, model="gpt-4o")
    assert nothing == services.SpendResult(None, None, None)
    assert Transaction.objects.filter(user=funded).exclude(token_type="credits").count() == 5


def test_it_adds_the_cancel_surcharge_to_incomplete_completions(funded):
    result = services.spend_tokens(
        user=funded, model="claude-3-5-sonnet", prompt_tokens=7, completion_tokens=3, context="incomplete"
    )
    assert result.prompt.token_value == -21
    # 3 x 15 = 45, x 1.15 = 51.75, ceil -> -51 (towards zero for a negative value, as Math.ceil)
    assert result.completion.token_value == -51
    assert result.completion.rate == pytest.approx(15 * 1.15)


def test_it_prices_the_completion_premium_by_prompt_size(funded):
    result = services.spend_tokens(user=funded, model="gpt-5.4", prompt_tokens=272001, completion_tokens=10)
    assert result.prompt.rate == 5 and result.completion.rate == 22.5
    small = services.spend_tokens(user=funded, model="gpt-5.4", prompt_tokens=-300000, completion_tokens=10)
    assert small.completion.rate == 15


def test_it_never_takes_the_balance_below_zero_and_records_the_write_off(member, balances_on):
    services.grant_credits(user=member, amount=100)
    result = services.spend_tokens(user=member, model="gpt-4o", prompt_tokens=30, completion_tokens=10)
    assert result.prompt.token_value == -75 and result.prompt.balance_after == 25
    assert result.completion.token_value == -100
    assert (result.completion.balance_after, result.completion.written_off) == (0, 75)
    again = services.spend_tokens(user=member, model="gpt-4o", prompt_tokens=1)
    assert again.balance == 0 and again.prompt.written_off == 2.5


def test_it_prices_unknown_models_at_the_default_rate_and_says_so_once(funded, caplog):
    for _ in range(2):
        result = services.spend_tokens(user=funded, model="mystery-model-q", prompt_tokens=10)
        assert result.prompt.rate == 6 and result.prompt.value_key is None
    assert sum("mystery-model-q" in message for message in caplog.messages) == 1


def test_it_writes_rows_but_keeps_balances_when_balances_are_off(member, settings):
    settings.LEDGER_BALANCE_ENABLED = False
    result = services.spend_tokens(user=member.pk, model="gpt-4o", prompt_tokens=10)
    assert result.balance is None and result.prompt.balance_after is None
    assert not Balance.objects.filter(user=member).exists()
    settings.LEDGER_TRANSACTIONS_ENABLED = False
    assert services.spend_tokens(user=member, model="gpt-4o", prompt_tokens=10).prompt is None
    assert Transaction.objects.filter(user=member).count() == 1


def test_it_forces_transactions_on_when_balances_are_on(member, balances_on):
    balances_on.LEDGER_TRANSACTIONS_ENABLED = False
    result = services.spend_tokens(user=str(member.pk), model="gpt-4o", prompt_tokens=10)
    assert result.prompt.pk is not None and result.balance == 0


def test_it_uses_the_endpoint_token_config(funded):
    config = {"house-model": {"prompt": 0.5, "completion": 2}}
    result = services.spend_tokens(
        user=funded, model="house-model", prompt_tokens=10, completion_tokens=10, endpoint_token_config=config
    )
    assert (result.prompt.token_value, result.completion.token_value) == (-5, -20)
