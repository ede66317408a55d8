"""A refused spend (ledger's balance_denied) is recorded as a token_balance violation with score 0."""

from __future__ import annotations

import pytest

from tests.violations.signals_fixture import balance_denied
from violations import receivers
from violations.models import Ban, Violation

pytestmark = pytest.mark.django_db


def test_it_records_token_balance_with_score_zero_and_never_bans(bans_on, member):
    assert receivers.connect_balance_denied("tests.violations.signals_fixture.balance_denied")
    try:
        for _ in range(3):
            balance_denied.send(sender=None, user=member, balance=5.0, token_cost=120.0)
    finally:
        balance_denied.disconnect(dispatch_uid="violations.record_balance_denied")
    rows = Violation.objects.filter(type="token_balance", user=member)
    assert rows.count() == 3
    assert {(r.score, r.count) for r in rows} == {(0, 0)}
    assert rows.first().details == {"balance": 5.0, "token_cost": 120.0}
    assert not Ban.objects.exists()


def test_it_skips_a_signal_that_does_not_exist():
    assert receivers.connect_balance_denied("tests.violations.signals_fixture.missing") is False
