"""Bad counts and amounts are refused with a clear error and nothing is written."""

from __future__ import annotations

import pytest

from ledger import services
from ledger.models import Balance, Hold, Transaction
from ledger.validation import LedgerInputError

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "message"),
    [(float("nan"), "is NaN"), ("12", "must be a number, not str"), (True, "not bool"), (10**12 + 1, "beyond")],
)
def test_it_refuses_bad_token_counts(funded, value, message):
    before = Transaction.objects.count()
    with pytest.raises(LedgerInputError, match=message):
        services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=5, completion_tokens=value)
    with pytest.raises(LedgerInputError, match=message):
        services.spend_structured_tokens(user=funded, model="gpt-4o", prompt_tokens={"input": 1, "read": value})
    with pytest.raises(LedgerInputError, match=message):
        services.check_balance(user=funded, model="gpt-4o", amount=value)
    with pytest.raises(LedgerInputError, match=message):
        services.grant_credits(user=funded, amount=value)
    assert Transaction.objects.count() == before
    assert not Hold.objects.exists()


def test_it_refuses_infinite_and_zero_grants(funded):
    with pytest.raises(LedgerInputError, match="beyond"):
        services.grant_credits(user=funded, amount=float("-inf"))
    with pytest.raises(LedgerInputError, match="must not be zero"):
        services.grant_credits(user=funded, amount=0)
    assert Balance.objects.get(user=funded).token_credits == 1_000_000


def test_it_refuses_structured_prompts_that_are_not_dicts(funded):
    with pytest.raises(LedgerInputError, match="must be a dict"):
        services.spend_structured_tokens(user=funded, model="gpt-4o", prompt_tokens=100)
