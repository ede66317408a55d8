"""Upgrading to the forecast's and price coverage's rollups (dashboards 0003): the next rollup run backfills
every rollup, the new tables with them, instead of filling them from the cursor on."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from chatmon.dashboards.models import RollupCursor, SpendQuarter
from chatmon.dashboards.rollups import hour_of, roll_up
from ledger import services as ledger
from ledger.models import Transaction

# Migrating back and forth changes the schema: outside the test's wrapping transaction.
pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("chatmon_dashboards", "0002_spend_day")]
AFTER = [("chatmon_dashboards", "0003_forecast_and_coverage_rollups")]


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def test_the_next_run_after_the_upgrade_backfills_the_new_tables(member):
    spent = ledger.spend_tokens(user=member, model="gpt-4o", prompt_tokens=100, completion_tokens=0).prompt
    two_days_ago = timezone.now() - dt.timedelta(days=2)
    Transaction.objects.filter(pk=spent.pk).update(created_at=two_days_ago)
    migrate(BEFORE)
    try:
        RollupCursor.objects.create(name="usage", complete_through=hour_of(timezone.now()))  # the job has run
    finally:
        migrate(AFTER)

    assert RollupCursor.objects.get(name="usage").complete_through is None
    roll_up()
    quarter = SpendQuarter.objects.get(quarter__lte=two_days_ago)
    assert two_days_ago < quarter.quarter + dt.timedelta(minutes=15) and quarter.credits == 250
