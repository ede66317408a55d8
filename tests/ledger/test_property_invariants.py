"""Property: any interleaving of spends, grants, refills and holds keeps the ledger exact and never negative.

The models used have rates that are binary fractions (2.5, 10, 1.25) and every count is whole, so each
figure is exact in floating point and `balance == start + sum(deltas)` must hold to the last bit. (With rates
such as 0.3 the row chain is still exact - ledger_verify checks it - but a sum of deltas rounds.)
"""

from __future__ import annotations

import itertools
import math
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import services
from ledger.models import Balance, Hold, Transaction
from ledger.verify import verify_balance

pytestmark = pytest.mark.django_db
_names = itertools.count()

tokens = st.integers(min_value=-50, max_value=5000)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("spend"), tokens, tokens),
        st.tuples(st.just("structured"), tokens, tokens, tokens),
        st.tuples(st.just("grant"), st.integers(min_value=-20000, max_value=20000).filter(bool)),
        st.tuples(st.just("check"), st.integers(min_value=0, max_value=8000)),
        st.tuples(st.just("release"), st.integers(min_value=0, max_value=5)),
        st.tuples(st.just("refill"), st.integers(min_value=1, max_value=3)),
    ),
    max_size=20,
)


def _apply(user, operation, holds: list, clock: list) -> None:
    kind, *args = operation
    if kind == "spend":
        context = "incomplete" if args[0] % 3 == 0 else "message"
        services.spend_tokens(
            user=user, model="gpt-4o", prompt_tokens=args[0], completion_tokens=args[1], context=context
        )
    elif kind == "structured":
        counts = dict(zip(("input", "write", "read"), args, strict=True))
        services.spend_structured_tokens(user=user, model="gpt-4o", prompt_tokens=counts, completion_tokens=3)
    elif kind == "grant":
        services.grant_credits(user=user, amount=args[0])
    elif kind == "check":
        before = Balance.objects.get(user=user)
        check = services.check_balance(user=user, model="gpt-4o", amount=args[0])
        # admitted only when the credits not held by others cover the cost (after any refill)
        assert not check.allowed or check.balance >= check.token_cost
        assert check.allowed or before.token_credits - before.held_credits < check.token_cost
        holds += [check.hold] if check.hold else []
    elif kind == "release" and holds:
        services.release_hold(holds[args[0] % len(holds)])
    elif kind == "refill":
        clock[0] += timedelta(days=args[0])
        services.refill_due_balances(now=clock[0])


def _assert_exact(user) -> None:
    balance = Balance.objects.get(user=user)
    rows = Transaction.objects.filter(user=user, balance_after__isnull=False)
    deltas = [row.balance_after - row.balance_before for row in rows]
    assert balance.token_credits >= 0
    assert balance.token_credits == balance.opening_credits + math.fsum(deltas)
    assert verify_balance(balance) == []
    held = Hold.objects.filter(user=user, status="active").aggregate(total=Sum("amount"))["total"] or 0
    assert balance.held_credits == held >= 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations)
def test_it_keeps_balance_equal_to_start_plus_deltas_and_never_negative(balances_on, ops):
    balances_on.LEDGER_START_BALANCE = 5000
    balances_on.LEDGER_AUTO_REFILL_ENABLED = True
    balances_on.LEDGER_REFILL_AMOUNT = 7000
    balances_on.LEDGER_REFILL_INTERVAL_VALUE = 1
    user = get_user_model().objects.create(username=f"prop-{next(_names)}")
    services.check_balance(user=user, model="gpt-4o", amount=0)
    holds, clock = [], [timezone.now()]
    for operation in ops:
        _apply(user, operation, holds, clock)
        _assert_exact(user)
