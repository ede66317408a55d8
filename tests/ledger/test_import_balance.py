"""import_balance: another system's credits and auto-refill settings; a history that disagrees is reconciled."""

from __future__ import annotations

import datetime as dt

import pytest

from ledger import selectors, services
from ledger.models import Balance, Transaction

pytestmark = pytest.mark.django_db

REFILL = {"auto_refill_enabled": True, "refill_interval_value": 30, "refill_interval_unit": "days",
          "refill_amount": 5000, "last_refill": dt.datetime(2024, 2, 1, tzinfo=dt.UTC)}  # fmt: skip


def history(user, credits_after: float) -> None:
    """A balance opened at 1000 by imported rows, replaying to `credits_after`."""
    services.import_transactions(
        rows=[{"user_id": user.pk, "token_type": "prompt", "token_value": credits_after - 1000, "raw_amount": 0}],
        opening_credits=1000,
    )


def test_it_opens_a_balance_at_the_imported_credits_with_its_refill_settings(member):
    imported = services.import_balance(user=member, credits=123456, settings=REFILL)
    assert (imported.opened, imported.history, imported.adjustment) == (True, 123456, None)
    balance = Balance.objects.get(user=member)
    assert (balance.token_credits, balance.opening_credits, balance.refill_amount) == (123456, 123456, 5000)
    assert balance.next_refill_at == dt.datetime(2024, 3, 2, tzinfo=dt.UTC)
    assert not Transaction.objects.exists()


def test_it_keeps_a_history_that_replays_to_the_imported_credits(member):
    history(member, 700)
    imported = services.import_balance(user=member.pk, credits=700, settings=REFILL)
    assert (imported.opened, imported.history, imported.adjustment) == (False, 700, None)
    assert Balance.objects.get(user=member).auto_refill_enabled is True
    assert Transaction.objects.count() == 1


def test_it_reconciles_a_history_that_disagrees_with_a_grant_naming_both_figures(member):
    history(member, 5000)
    imported = services.import_balance(user=member, credits=4000, source="LibreChat")
    assert (imported.opened, imported.history) == (False, 5000)
    grant = imported.adjustment
    assert (grant.token_type, grant.context, grant.token_value) == ("credits", "grant", -1000)
    assert grant.reason == "LibreChat import: LibreChat's balance 4000.0, its history replays to 5000.0"
    assert selectors.balance_of(member) == 4000
    assert selectors.verify_balances(users=[member]) == []


def test_it_refuses_settings_it_does_not_know(member):
    with pytest.raises(services.LedgerInputError, match="unknown balance settings \\['token_credits'\\]"):
        services.import_balance(user=member, credits=10, settings={"token_credits": 5})
    assert not Balance.objects.exists()


def test_with_a_checkpoint_it_reconciles_late_rows_away_and_keeps_this_systems_own_changes(member):
    history(member, 5000)
    first = services.import_balance(user=member, credits=4000)
    services.grant_credits(user=member, amount=250, reason="made here")  # this system's own change
    history_late = services.import_transactions(
        rows=[{"user_id": member.pk, "token_type": "prompt", "token_value": -600, "raw_amount": 0}],
        opening_credits=0,
    )  # a row the other system had counted in its 4000 already, imported late
    late = sum(row.balance_after - row.balance_before for row in history_late)
    checkpoint = services.ImportCheckpoint(credits_after=first.credits, imported_since=late)
    imported = services.import_balance(user=member, credits=4000, checkpoint=checkpoint)
    assert (imported.history, imported.own_changes, imported.adjustment.token_value) == (3650, 250, 600)
    assert imported.adjustment.reason.endswith("250.0 changed here since the last import")
    assert selectors.balance_of(member) == imported.credits == 4250


def test_a_checkpoint_counts_float_rounding_as_no_change():
    checkpoint = services.ImportCheckpoint(credits_after=0.1, imported_since=0.2)
    assert checkpoint.own_changes(0.1 + 0.2) == 0.0
    assert checkpoint.own_changes(0.30001) == pytest.approx(0.00001)
