"""BalanceSyncMiddleware: first authenticated request creates the balance; refill settings follow the config."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from ledger.models import Balance

pytestmark = pytest.mark.django_db


def test_it_creates_the_balance_on_the_first_authenticated_request(client, member, balances_on):
    balances_on.LEDGER_START_BALANCE = 777
    client.get("/healthz")
    assert not Balance.objects.exists()
    client.force_login(member)
    client.get("/healthz")
    client.get("/healthz")
    assert Balance.objects.get(user=member).token_credits == 777


def test_it_applies_changed_refill_settings_without_touching_credits(client, member, balances_on):
    client.force_login(member)
    client.get("/healthz")
    Balance.objects.filter(user=member).update(token_credits=5)
    balances_on.LEDGER_AUTO_REFILL_ENABLED = True
    balances_on.LEDGER_REFILL_AMOUNT = 300
    balances_on.LEDGER_REFILL_INTERVAL_VALUE = 1
    balances_on.LEDGER_REFILL_INTERVAL_UNIT = "weeks"
    client.get("/healthz")
    balance = Balance.objects.get(user=member)
    assert (balance.token_credits, balance.auto_refill_enabled, balance.refill_amount) == (5, True, 300)
    assert balance.refill_interval_unit == "weeks" and balance.next_refill_at is not None


def test_it_switches_itself_off_when_balances_are_off(client, member, settings):
    settings.LEDGER_BALANCE_ENABLED = False
    client.force_login(member)
    client.get("/healthz")
    assert not Balance.objects.exists()
    assert get_user_model().objects.count() == 1


def test_it_reads_the_balance_once_per_user_and_configuration(client, member, balances_on):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def balance_reads() -> int:
        with CaptureQueriesContext(connection) as queries:
            client.get("/healthz")
        return sum('"ledger_balance"' in query["sql"] for query in queries.captured_queries)

    client.force_login(member)
    assert balance_reads() >= 1  # first request: read, then create
    assert balance_reads() == 0  # same user, same configuration: nothing to do
    balances_on.LEDGER_AUTO_REFILL_ENABLED = True
    balances_on.LEDGER_REFILL_AMOUNT = 300
    assert balance_reads() >= 1  # the configuration changed: synced again
    assert Balance.objects.get(user=member).refill_amount == 300
