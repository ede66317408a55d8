"""The database itself refuses a ledger figure that is not finite or beyond the stored limit, whoever writes it."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from ledger.models import Balance, Hold, Transaction
from ledger.validation import STORED_LIMIT

pytestmark = pytest.mark.django_db
NOT_STORABLE = [float("inf"), float("-inf"), 1e308, STORED_LIMIT * 2]


def refused(write) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


@pytest.mark.parametrize("value", NOT_STORABLE)
@pytest.mark.parametrize("field", ["rate", "raw_amount", "token_value", "read_tokens", "balance_after", "written_off"])
def test_it_refuses_a_transaction_figure(member, field, value):
    fields = {"token_value": -1, field: value}
    refused(lambda: Transaction.objects.create(user=member, token_type="prompt", **fields))
    assert not Transaction.objects.exists()


@pytest.mark.parametrize("value", [*NOT_STORABLE, float("nan")])
def test_it_refuses_a_balance_figure_written_by_an_update(member, value):
    Balance.objects.create(user=member, token_credits=5)
    refused(lambda: Balance.objects.filter(user=member).update(token_credits=value))
    refused(lambda: Hold.objects.create(user=member, amount=value, expires_at="2030-01-01T00:00:00Z"))
    assert Balance.objects.get(user=member).token_credits == 5


def test_it_refuses_nan_in_a_transaction(member):
    # PostgreSQL orders NaN above every number; SQLite stores NaN as NULL, which the NOT NULL column refuses.
    refused(
        lambda: Transaction.objects.create(user=member, token_type="prompt", token_value=-1, written_off=float("nan"))
    )
    assert not Transaction.objects.exists()


def test_it_stores_the_limits_themselves(member):
    row = Transaction.objects.create(user=member, token_type="prompt", rate=STORED_LIMIT, token_value=-STORED_LIMIT)
    assert Transaction.objects.get(pk=row.pk).token_value == -STORED_LIMIT
