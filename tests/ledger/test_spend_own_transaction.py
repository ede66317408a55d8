"""A spend outside any atomic block runs its own transaction on the driver (ledger/owntx.py): on PostgreSQL
the whole spend is one round trip, one statement (lock, chain, insert, settle, save) that is a transaction by
itself in autocommit (ledger/spendsql.py). These tests run without the test's wrapping transaction, so that
path is the one taken."""

from __future__ import annotations

import itertools
import logging

import hypothesis
import pytest
from django.db import IntegrityError, InterfaceError, OperationalError, close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from ledger import book, services, spendsql
from ledger.models import Balance, Hold, Transaction
from ledger.owntx import OwnTransaction
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


# PostgreSQL: one round trip, one statement (it was five round trips). SQLite has no round trips to save: its
# BEGIN and the lock are listed together, as one call of the driver's.
STATEMENTS = {
    "postgresql": ["WITH"],
    "sqlite": ["BEGIN", "INSERT", "INSERT", "UPDATE", "COMMIT"],
}


def test_a_spend_takes_the_fewest_statements(funded):
    with CaptureQueriesContext(connection) as queries:
        services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=100, completion_tokens=10, message_id="m")
    assert [query["sql"].split()[0] for query in queries.captured_queries] == STATEMENTS[connection.vendor]


def test_a_connection_out_of_autocommit_leaves_the_spend_to_djangos_transaction(funded, monkeypatch):
    # With AUTOCOMMIT off the caller owns the transactions: a spend must neither commit the caller's work nor
    # stay open itself, so it takes Django's atomic() (a savepoint in the caller's transaction).
    monkeypatch.setitem(connection.settings_dict, "AUTOCOMMIT", False)
    assert not spendsql.runs_own_transaction(connection)
    monkeypatch.undo()
    assert spendsql.runs_own_transaction(connection)


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


postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own transaction")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="on PostgreSQL no step runs inside the transaction")
def test_a_failure_inside_the_transaction_leaves_nothing_written(funded, monkeypatch):
    # The insert, then the balance's update and COMMIT follow. On PostgreSQL the transaction is one query
    # string: a statement refused inside it is the next test.
    name = "insert_and_save_balance"
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
    def past_the_columns_range(rows):  # a figure the services' checks missed (a bug)
        rows[-1].rate = 1e300  # the table's CHECK refuses it

    monkeypatch.setattr(services, "_check_figures", past_the_columns_range)
    with pytest.raises(IntegrityError):  # Django's, not the driver's
        services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=100, completion_tokens=10, message_id="m")
    monkeypatch.undo()
    assert not Transaction.objects.filter(user=funded, message_id="m").exists()
    assert credits(funded) == 1_000_000
    services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=100, completion_tokens=10, message_id="m")
    assert credits(funded) == 1_000_000 - 350
    chain_holds(funded)


@postgresql_only
@pytest.mark.parametrize(("prepare", "plans"), [(True, 1), (False, 0)])
def test_the_insert_is_prepared_once_per_connection_unless_turned_off(funded, settings, prepare, plans):
    settings.LEDGER_PREPARE_SPENDS = prepare
    connection.close()  # a connection of this test's own, with no statement prepared yet
    for message in ("a", "b"):
        services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=1, completion_tokens=1, message_id=message)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = sorted(row[0].split()[0] for row in cursor.fetchall())
    assert len(statements) == plans  # the spend's statement, prepared once for both spends
    assert statements in ([], ["WITH"])
    assert connection.connection.prepare_threshold is None  # as Django set it: its own queries unprepared
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


# The same spends through the two ways a spend is written: its own transaction (outside any atomic block: one
# statement on PostgreSQL, with book.chain_from()'s rule and the hold's settling in SQL) and Django's (inside an
# atomic block: the rule in Python). Each scenario runs on a user of each way; the rows' chains, the balances
# and the holds must come out the same.


def _outcome(user) -> tuple:
    rows = Transaction.objects.filter(user=user).exclude(context="admin").order_by("id")
    chain = [(row.token_type, row.item, row.balance_before, row.balance_after, row.written_off) for row in rows]
    balance = Balance.objects.get(user=user)
    holds = list(Hold.objects.filter(user=user).order_by("id").values_list("amount", "status"))
    return chain, balance.token_credits, balance.held_credits, holds


def _hold(user, amount: float) -> None:
    services.check_balance(user=user, model="gpt-4o", amount=amount)


def _spend(user, message="m", prompt=100, completion=10):
    return services.spend_tokens(
        user=user, model="gpt-4o", prompt_tokens=prompt, completion_tokens=completion, message_id=message
    )


SCENARIOS = {
    "plain": lambda user: _spend(user),
    "one hold settled": lambda user: (_hold(user, 100), _spend(user)),
    "the oldest of two holds settled": lambda user: (_hold(user, 100), _hold(user, 300), _spend(user)),
    "held without an active hold": lambda user: (
        Balance.objects.filter(user=user).update(held_credits=40),
        _spend(user),
    ),
    "overdrawn: the rest written off": lambda user: _spend(user, prompt=200_000, completion=100_000),
    "zero and negative counts": lambda user: (_spend(user, "a", 0, -5), _spend(user, "b", -0.0, 0)),
    "a retried message": lambda user: (_spend(user), _spend(user)),
    "a message charged in part": lambda user: (_spend(user, completion=None), _spend(user)),
    "structured prompt": lambda user: services.spend_structured_tokens(
        user=user,
        model="claude-3-5-sonnet",
        prompt_tokens={"input": 10, "write": 2000, "read": 30},
        completion_tokens=7,
        message_id="s",
    ),
    "calls after the tokens (no hold settled)": lambda user: (
        _hold(user, 100),
        _spend(user),
        _hold(user, 50),
        services.spend_calls(user=user, items=[{"kind": "web_search", "quantity": 2}], message_id="m"),
    ),
}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_a_spend_in_its_own_transaction_writes_what_djangos_writes(scenario, balances_on, django_user_model):
    from django.db import transaction

    own, django = (django_user_model.objects.create(username=name) for name in ("own", "django"))
    for user in (own, django):
        services.grant_credits(user=user, amount=50_000, reason="test funds")
    SCENARIOS[scenario](own)
    with transaction.atomic():
        SCENARIOS[scenario](django)
    assert _outcome(own) == _outcome(django)
    assert _outcome(own)[0], "the scenario wrote rows"


_credits = st.one_of(st.sampled_from([0.0, 1.0, 0.1]), st.floats(0, 1e12))
_values = st.one_of(st.sampled_from([0.0, -0.0, -0.1, 0.3]), st.floats(-1e12, 1e12))


@postgresql_only
@hypothesis.settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=_credits, values=st.lists(_values, min_size=1, max_size=4))
def test_the_statements_chain_is_book_chain_from(member, balances_on, start, values):
    """The one-statement spend computes the rows' chain in SQL: to the last bit what book.chain_from() gives."""
    Balance.objects.update_or_create(user=member, defaults={"token_credits": start, "held_credits": 0.0})
    message = f"p-{Transaction.objects.count()}"
    rows = [
        Transaction(user_id=member.pk, token_type="call", item=f"tool:{index}", token_value=value, message_id=message)
        for index, value in enumerate(values)
    ]
    expected = [Transaction(token_value=value) for value in values]
    expected_after = book.chain_from(start, expected)
    with OwnTransaction(connection) as tx:
        spent = spendsql.spend_and_commit(tx, member.pk, rows, settle=True, now=timezone.now())
    chain = [(row.balance_before, row.balance_after, row.written_off) for row in spent.rows]
    assert [repr(figure) for figure in itertools.chain(*chain, [spent.credits])] == [
        repr(figure)
        for figure in itertools.chain(
            *((row.balance_before, row.balance_after, row.written_off) for row in expected), [expected_after]
        )
    ]
    assert credits(member) == expected_after
