"""Upgrading a database that holds a non-finite figure (written through the endpoint_token_config defect):
ledger 0002 stops with the rows' ids instead of a bare constraint error, and changes nothing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import UserFactory

# Migrating back and forth changes the schema: outside the test's wrapping transaction.
pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("ledger", "0001_initial")]
AFTER = [("ledger", "0002_stored_figures_finite")]


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def latest() -> list:
    """The ledger's newest migration: where the tests that follow expect the schema to be."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes("ledger")


def test_it_names_the_rows_to_correct_and_migrates_once_they_are():
    user = UserFactory()
    migrate(BEFORE)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO ledger_transaction (user_id, token_type, raw_amount, token_value, rate, model,"
                " endpoint, context, conversation_id, message_id, value_key, balance_before, balance_after,"
                " written_off, reason, created_at) VALUES (%s, 'prompt', -1, %s, 1e308, 'custom-x', '', 'message',"
                " '', '', '', 0, 0, 0, '', CURRENT_TIMESTAMP)",
                [user.pk, float("-inf")],
            )
            cursor.execute("SELECT id FROM ledger_transaction WHERE model = 'custom-x'")
            (bad_id,) = cursor.fetchone()

        with pytest.raises(RuntimeError, match=rf"Transaction\.token_value \(ids {bad_id}\)"):
            migrate(AFTER)

        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM ledger_transaction WHERE id = %s", [bad_id])
    finally:
        migrate(AFTER)
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, "ledger_transaction")
        migrate(latest())
    assert "ledger_tx_token_value_finite" in constraints
