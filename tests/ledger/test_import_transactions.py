"""import_transactions: another system's rows recorded as they are and chained onto balances in the order given."""

from __future__ import annotations

import datetime as dt

import pytest

from ledger import selectors, services
from ledger.models import Balance, Transaction

pytestmark = pytest.mark.django_db

AT = dt.datetime(2024, 2, 1, 10, tzinfo=dt.UTC)


def fields(user, token_type: str, token_value: float, **extra) -> dict:
    return {"user_id": user.pk, "token_type": token_type, "token_value": token_value, "raw_amount": token_value,
            "rate": 1.0, "model": "gpt-4o", "created_at": AT, **extra}  # fmt: skip


def test_it_opens_balances_at_the_opening_credits_and_chains_rows_in_order(member, operator):
    written = services.import_transactions(
        rows=[fields(member, "prompt", -300), fields(operator, "prompt", -5), fields(member, "completion", -900),
              fields(member, "credits", 50, context="autoRefill")],
        opening_credits=1000,
    )  # fmt: skip
    assert len(written) == 4
    chain = list(Transaction.objects.filter(user=member).order_by("pk").values_list(
        "token_type", "balance_before", "balance_after", "written_off", "created_at"))  # fmt: skip
    assert chain == [("prompt", 1000, 700, 0, AT), ("completion", 700, 0, 200, AT), ("credits", 0, 50, 0, AT)]
    member_balance = Balance.objects.get(user=member)
    assert (member_balance.opening_credits, member_balance.token_credits) == (1000, 50)
    assert Balance.objects.get(user=operator).token_credits == 995
    assert selectors.verify_balances(users=[member, operator]) == []


def test_it_continues_an_existing_balance_instead_of_opening_one(member):
    services.import_transactions(rows=[fields(member, "prompt", -100)], opening_credits=1000)
    services.import_transactions(rows=[fields(member, "prompt", -100)], opening_credits=99_999)
    assert Balance.objects.get(user=member).token_credits == 800
    assert selectors.verify_balances(users=[member]) == []


@pytest.mark.parametrize(("bad", "message"), [
    ({"token_type": "bananas"}, "token_type 'bananas' is not one of"),
    ({"token_value": float("nan")}, "token_value is NaN"),
    ({"token_type": "call"}, "a `call` row needs its item"),
    ({"item": "web_search"}, "only a `call` row may name one"),
])  # fmt: skip
def test_it_refuses_a_bad_row_and_writes_nothing(member, bad, message):
    with pytest.raises(services.LedgerInputError, match=message):
        services.import_transactions(rows=[fields(member, "prompt", -1), {**fields(member, "prompt", -1), **bad}],
                                     opening_credits=10)  # fmt: skip
    assert not Transaction.objects.exists()
    assert not Balance.objects.exists()
