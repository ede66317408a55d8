"""A spend outside any atomic block runs its own transaction on the driver (ledger/owntx.py): on PostgreSQL
its BEGIN goes out with the balance's lock, and the rows' insert saves the balance and commits in one round
trip (ledger/spendsql.py). These tests run without the test's wrapping transaction, so that path is the one
taken."""

from __future__ import annotations

import itertools
import logging

import pytest
from django.db import IntegrityError, InterfaceError, OperationalError, close_old_connections, connection
from django.test.utils import CaptureQueriesContext

from ledger import book, services, spendsql
from ledger.models import Balance, Hold, Transaction
from tests.ledger.conftest import credits

pytestmark = pytest.mark.django_db(transaction=True)


def chain_holds(user) -> None:
    """Every row starts where the one before it ended, and the balance is where the last one ended."""
    rows = list(Transaction.objects.filter(user=user).order_by("id"))
    for before, after in itertools.pairwise(rows):
        assert after.balance_before == before.balance_after
    assert credits(user) == rows[-1].balance_after


def test_a_spend_charges_and_saves_the_balance(funded):
    result = services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=100, completion_tokens=10, message_id="m")
    assert result.balance == 1_000_000 - 250 - 100 == credits(funded)
    assert (result.prompt.pk, result.completion.pk) == tuple(
        Transaction.objects.filter(user=funded, message_id="m").order_by("id").values_list("pk", flat=True)
    )
    chain_holds(funded)


# PostgreSQL: two round trips, BEGIN and COMMIT included (it was five). SQLite has no round trips to save: its
# BEGIN and the lock are listed together, as one call of the driver's.
STATEMENTS = {
    "postgresql": ["BEGIN;", "WITH"],
    "sqlite": ["BEGIN", "INSERT", "INSERT", "UPDATE", "COMMIT"],
}


def test_a_spend_takes_the_fewest_statements(funded):
    with CaptureQueriesContext(connection) as queries:
        services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=100, completion_tokens=10, message_id="m")
    assert [query["sql"].split()[0] for query in queries.captured_queries] == STATEMENTS[connection.vendor]


def test_the_slow_query_log_times_each_of_a_spends_round_trips(funded, settings, caplog):
    settings.SLOW_QUERY_MS = 0  # every statement is slow
    with caplog.at_level(logging.WARNING, logger="chatmon.db"):
        services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=100, completion_tokens=10, message_id="m")
    sql = [record.getMessage().split(": ", 1)[1] for record in caplog.records if record.name == "chatmon.db"]
    logged = [statement.split()[0] for statement in sql]
    assert logged[-len(STATEMENTS[connection.vendor]) :] == STATEMENTS[connection.vendor]


def test_a_retried_message_is_charged_once(funded):
    services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=100, completion_tokens=10, message_id="m")
    again = services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=100, completion_tokens=10, message_id="m")
    assert again.balance == 1_000_000 - 350 == credits(funded)
    assert Transaction.objects.filter(user=funded, message_id="m").count() == 2
    chain_holds(funded)


def test_a_message_charged_in_part_gets_the_rest_chained_from_the_balance(funded):
    services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=100, message_id="m")
    rest = services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=100, completion_tokens=10, message_id="m")
    assert rest.completion.balance_before == 1_000_000 - 250
    assert rest.balance == 1_000_000 - 350 == credits(funded)
    chain_holds(funded)


def test_a_spend_settles_the_oldest_hold(funded):
    first = services.check_balance(user=funded, model="gpt-4o", amount=100).hold
    services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=100, completion_tokens=10)
    first.refresh_from_db()
    assert first.status == Hold.Status.SETTLED
    assert Balance.objects.get(user=funded).held_credits == 0
    chain_holds(funded)


def test_a_first_spend_opens_the_balance_at_zero(member, balances_on):
    result = services.spend_tokens(user=member, model="gpt-4o", prompt_tokens=100)
    assert result.balance == 0 == credits(member)
    assert result.prompt.written_off == 250


# The last step before the transaction ends: on PostgreSQL the lock (the insert commits with it), on SQLite the
# insert (then the balance's update and COMMIT).
LAST_STEP_BEFORE_COMMIT = {"postgresql": "begin_and_lock_balance", "sqlite": "insert_and_save_balance"}


def test_a_failure_inside_the_transaction_leaves_nothing_written(funded, monkeypatch):
    name = LAST_STEP_BEFORE_COMMIT[connection.vendor]
    real = getattr(spendsql, name)

    def step_then_fail(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("the process died half way")

    monkeypatch.setattr(spendsql, name, step_then_fail)
    with pytest.raises(RuntimeError):
        services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=100, completion_tokens=10, message_id="m")
    monkeypatch.undo()
    assert not Transaction.objects.filter(user=funded, message_id="m").exists()
    assert credits(funded) == 1_000_000
    # The connection is back in autocommit with no transaction open: the next spend commits.
    services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=100, message_id="m")
    assert connection.get_autocommit() and not connection.in_atomic_block
    assert credits(funded) == 1_000_000 - 250


def test_a_refused_insert_raises_djangos_error_and_writes_nothing(funded, monkeypatch):
    real = book.chain_from

    def past_the_columns_range(credits, rows):
        after = real(credits, rows)
        rows[-1].balance_after = 1e300  # the table's CHECK refuses it
        return after

    monkeypatch.setattr(book, "chain_from", past_the_columns_range)
    with pytest.raises(IntegrityError):  # Django's, not the driver's
        services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=100, completion_tokens=10, message_id="m")
    monkeypatch.undo()
    assert not Transaction.objects.filter(user=funded, message_id="m").exists()
    assert credits(funded) == 1_000_000
    services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=100, completion_tokens=10, message_id="m")
    assert credits(funded) == 1_000_000 - 350
    chain_holds(funded)


postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own transaction")


@postgresql_only
@pytest.mark.parametrize(("prepare", "plans"), [(True, 2), (False, 0)])
def test_the_insert_is_prepared_once_per_connection_unless_turned_off(funded, settings, prepare, plans):
    settings.LEDGER_PREPARE_SPENDS = prepare
    connection.close()  # a connection of this test's own, with no statement prepared yet
    for message in ("a", "b"):
        services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=1, completion_tokens=1, message_id=message)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE name LIKE 'ledger%%'")
        statements = sorted(row[0].split(" AS ", 1)[1].split()[0] for row in cursor.fetchall())
    assert len(statements) == plans  # the lock and the insert, each prepared once for both spends
    assert statements in ([], ["SELECT", "WITH"])
    assert credits(funded) == 1_000_000 - 2 * (2.5 + 10)


@postgresql_only
def test_a_spend_on_a_dead_connection_raises_djangos_error_and_the_next_request_reconnects(funded):
    services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=100, message_id="before")
    other = connection.copy()
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])
    other.close()
    with pytest.raises((OperationalError, InterfaceError)):  # Django's, not the driver's
        services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=100, message_id="lost")
    close_old_connections()  # what the end of a request does: the broken connection is dropped
    services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=100, message_id="after")
    assert credits(funded) == 1_000_000 - 500
    assert not Transaction.objects.filter(message_id="lost").exists()
