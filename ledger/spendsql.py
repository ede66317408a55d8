"""Hand-written SQL for the spend hot path: the same writes as the ORM, without building a query per call.

Profiling showed the ORM spent about four times longer compiling a spend's queries than the database spent
running them, so a spend runs these statements, built once per process and database vendor (table names and
the insert's columns come from the models' metadata): one locking SELECT of the balance, one INSERT of the rows
(multi-row with RETURNING on PostgreSQL, one row per statement on SQLite) whose `ON CONFLICT DO NOTHING`
against the unique (user, message id, token type, item) constraint is also the idempotency check, and one UPDATE of
the balance (plus one UPDATE ... RETURNING settling a hold when the user has any; SQLite 3.35+ has RETURNING).

On PostgreSQL each statement is a round trip, and a spend waits for every one of them while holding its
user's lock, so they are folded: outside an atomic block a spend runs its own transaction on psycopg directly
(ledger.owntx), one prepared statement doing all of the above with the rows' chain computed in SQL, a
transaction by itself in autocommit: one round trip instead of five (spend_and_commit; docs/ledger.md "Spend
hot path" says how the chain's two homes are kept equal). On SQLite a spend runs its own transaction too, on
the sqlite3 cursor, without Django's per-statement wrappers while it holds the database's write lock. A batch
locks its users' balances in one query, inserts every row in one statement and saves the balances in one
executemany (lock_balances, insert_spends, save_balances).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import DataError

from ledger.models import Balance, Hold, Transaction

if TYPE_CHECKING:
    from ledger.owntx import OwnTransaction

# Values of these exact types go to the driver unchanged; anything else (datetimes, an int conversation id
# for a text column, ...) goes through the field's own get_db_prep_save, as the ORM would send it.
_PLAIN = {"CharField": (str,), "FloatField": (float,), "ForeignKey": (int,)}


@dataclass(frozen=True)
class _Statements:
    lock: str
    insert_row: str
    insert_head: str
    insert_tail: str
    # insert_spends(): the written rows named by (user, message id, token type, item).
    insert_tail_keyed: str
    lock_many: str
    save_balance: str
    save_chain: str
    # A CTE for insert_and_save_balance(): the rows' insert, then the balance's update if all were written.
    save_balance_after_insert: str
    settle_hold: str
    settle_hold_unreturned: str
    # Whether the insert reports the written rows with RETURNING (else with rowcount and lastrowid, one by one).
    returning: bool
    # (attname, field, types passed to the driver as they are) per inserted column.
    insert_fields: tuple


def _statements(quote, for_update: bool, returning: bool) -> _Statements:
    balance, hold, tx = (quote(model._meta.db_table) for model in (Balance, Hold, Transaction))
    fields = tuple(field for field in Transaction._meta.concrete_fields if not field.primary_key)
    columns = ", ".join(quote(field.column) for field in fields)
    # The oldest active hold closed; the balance row lock serialises every hold change.
    settle_hold = (
        f"UPDATE {hold} SET status = %s, closed_at = %s WHERE id = (SELECT id FROM {hold}"
        f" WHERE user_id = %s AND status = %s ORDER BY id LIMIT 1)"
    )
    return _Statements(
        lock=f"SELECT id, token_credits, held_credits FROM {balance} WHERE user_id = %s{' FOR UPDATE' * for_update}",
        insert_row="(" + ", ".join(["%s"] * len(fields)) + ")",
        insert_head=f"INSERT INTO {tx} ({columns}) VALUES ",
        insert_tail=" ON CONFLICT DO NOTHING" + " RETURNING id, token_type, item" * returning,
        insert_tail_keyed=" ON CONFLICT DO NOTHING RETURNING id, user_id, message_id, token_type, item",
        # Locked in user order, so two batches locking overlapping users cannot deadlock.
        lock_many=(
            f"SELECT user_id, id, token_credits, held_credits FROM {balance} WHERE user_id IN (%s)"
            f" ORDER BY user_id{' FOR UPDATE' * for_update}"
        ),
        save_balance=f"UPDATE {balance} SET token_credits = %s, held_credits = %s, updated_at = %s WHERE id = %s",
        save_chain=f"UPDATE {tx} SET balance_before = %s, balance_after = %s, written_off = %s WHERE id = %s",
        # After the rows' insert (a CTE named `written`): the balance's update, applied if it wrote every row.
        save_balance_after_insert=(
            f"saved AS (UPDATE {balance} SET token_credits = %s, held_credits = %s, updated_at = %s"
            " WHERE id = %s AND (SELECT count(*) FROM written) = %s) SELECT id, token_type, item FROM written"
        ),
        settle_hold=f"{settle_hold} RETURNING amount",
        settle_hold_unreturned=settle_hold,
        returning=returning,
        insert_fields=tuple((field.attname, field, _PLAIN.get(field.get_internal_type(), ())) for field in fields),
    )


_built: dict[str, _Statements] = {}


def _sql(connection) -> _Statements:
    if connection.vendor not in _built:
        # SQLite runs an INSERT ... RETURNING about 95 us slower than the same INSERT (measured on 3.40), more
        # than a second statement costs; its lastrowid is exact for a one-row insert.
        returning = connection.vendor != "sqlite"
        features = connection.features
        _built[connection.vendor] = _statements(connection.ops.quote_name, features.has_select_for_update, returning)
    return _built[connection.vendor]


def lock_balance(cursor, connection, user_id) -> tuple | None:
    """(pk, token_credits, held_credits) of the user's balance, locked until the transaction ends; None if missing."""
    cursor.execute(_sql(connection).lock, [user_id])
    return cursor.fetchone()


def insert_new(cursor, connection, rows: list[Transaction]) -> list[Transaction]:
    """Insert the rows whose (user, message id, token type, item) is not recorded yet; returns those, with their
    pks."""
    sql = _sql(connection)
    params = _insert_params(sql.insert_fields, connection, rows)
    if sql.returning:
        # One statement; a spend's rows have distinct (token type, item) pairs, so RETURNING's say which rows
        # were written.
        cursor.execute(_insert_rows(sql, rows), [value for values in params for value in values])
        return _written(connection, rows, cursor.fetchall())
    pks = []
    for row, values in zip(rows, params, strict=True):
        cursor.execute(sql.insert_head + sql.insert_row + sql.insert_tail, values)
        if cursor.rowcount:
            pks.append((cursor.lastrowid, row.token_type, row.item))
    return _written(connection, rows, pks)


def lock_balances(cursor, connection, user_ids: list) -> dict:
    """lock_balance() for many users in one query: user id -> (pk, token_credits, held_credits) of those who
    have a balance."""
    if not user_ids:
        return {}
    by_text = {str(user_id): user_id for user_id in user_ids}
    cursor.execute(_sql(connection).lock_many % ", ".join(["%s"] * len(user_ids)), list(user_ids))
    return {by_text[str(user_id)]: (pk, credits, held) for user_id, pk, credits, held in cursor.fetchall()}


def insert_spends(cursor, connection, spends: list[list[Transaction]]) -> list[list[Transaction]]:
    """insert_new() for many spends: the rows written, per spend. One statement on PostgreSQL when every row
    has a message id, whose RETURNING then names each written row by (user, message id, token type, item); a
    message sent twice in one batch is written for its first spend only. Otherwise one insert_new() a spend."""
    sql = _sql(connection)
    rows = [row for spend in spends for row in spend]
    if not sql.returning or len(spends) < 2 or any(row.message_id is None for row in rows):
        return [insert_new(cursor, connection, spend) for spend in spends]
    params = [value for values in _insert_params(sql.insert_fields, connection, rows) for value in values]
    cursor.execute(sql.insert_head + ", ".join([sql.insert_row] * len(rows)) + sql.insert_tail_keyed, params)
    pks = {(str(user_id), message_id, token_type, item): pk for pk, user_id, message_id, token_type, item in cursor}
    out = []
    for spend in spends:
        written = []
        for row in spend:
            pk = pks.pop((str(row.user_id), row.message_id, row.token_type, row.item), None)
            if pk is not None:
                written.append(_saved(row, pk, connection))
        out.append(written)
    return out


def insert_and_save_balance(cursor, connection, rows: list[Transaction], pk, credits: float, held: float, now):
    """insert_new(), then save_balance() if every row was written (else the caller re-chains the written rows
    and saves the balance itself). On PostgreSQL one statement: a CTE inserting the rows and updating the
    balance when the insert wrote them all."""
    sql = _sql(connection)
    if not sql.returning:
        written = insert_new(cursor, connection, rows)
        if len(written) == len(rows):
            save_balance(cursor, connection, pk, credits, held, now)
        return written
    updated_at = Balance._meta.get_field("updated_at").get_db_prep_save(now, connection)
    params = [value for values in _insert_params(sql.insert_fields, connection, rows) for value in values]
    cursor.execute(
        f"WITH written AS ({_insert_rows(sql, rows)}), {sql.save_balance_after_insert}",
        [*params, credits, held, updated_at, pk, len(rows)],
    )
    return _written(connection, rows, cursor.fetchall())


def save_balances(cursor, connection, balances: list[tuple], now: datetime) -> None:
    """save_balance() for many (pk, credits, held) in one executemany (pipelined by psycopg on PostgreSQL)."""
    if balances:
        updated_at = Balance._meta.get_field("updated_at").get_db_prep_save(now, connection)
        params = [[credits, held, updated_at, pk] for pk, credits, held in balances]
        cursor.executemany(_sql(connection).save_balance, params)


def save_chain(cursor, connection, rows: list[Transaction]) -> None:
    """Save the rows' balance_before, balance_after and written_off (chained again after a partial insert)."""
    if rows:
        params = [[row.balance_before, row.balance_after, row.written_off, row.pk] for row in rows]
        cursor.executemany(_sql(connection).save_chain, params)


def _insert_params(fields: tuple, connection, rows: list[Transaction]) -> list[list]:
    """The rows' values of `fields` ((attname, field, plain types) each), as the ORM would send them."""
    return [
        [
            value if value is None or type(value) in plain else field.get_db_prep_save(value, connection)
            for attname, field, plain in fields
            for value in (getattr(row, attname),)
        ]
        for row in rows
    ]


def _insert_rows(sql: _Statements, rows: list[Transaction]) -> str:
    return sql.insert_head + ", ".join([sql.insert_row] * len(rows)) + sql.insert_tail


def _written(connection, rows: list[Transaction], inserted) -> list[Transaction]:
    """The rows the insert wrote, given its (pk, token type, item) triples, with their pks set."""
    pks = {(token_type, item): pk for pk, token_type, item in inserted}
    return [_saved(row, pks[row.token_type, row.item], connection) for row in rows if (row.token_type, row.item) in pks]


def _saved(row: Transaction, pk, connection) -> Transaction:
    """The row as the ORM leaves a saved one."""
    row.pk = pk
    row._state.adding, row._state.db = False, connection.alias
    return row


def runs_own_transaction(connection) -> bool:
    """Whether a spend may run its transaction itself (ledger.owntx): outside any atomic block, with the
    connection in autocommit (Django's default, where a statement sent alone is a transaction by itself)."""
    return (
        connection.vendor in ("postgresql", "sqlite")
        and not connection.in_atomic_block
        and connection.settings_dict["AUTOCOMMIT"]
    )


def begin_and_lock_balance(tx: OwnTransaction, user_id) -> tuple | None:
    """BEGIN and lock_balance() (SQLite's own transaction; PostgreSQL's is spend_and_commit): the balance's
    (pk, token_credits, held_credits), or None."""
    tx.run([(tx.begin, None), (_sql(tx.connection).lock, [user_id])])
    return tx.cursor.fetchone()


@dataclass(frozen=True)
class Spent:
    """What spend_and_commit() wrote: the rows (pks and chain set), the balance's credits after, and whether a
    hold was settled."""

    rows: list[Transaction]
    credits: float
    settled_hold: bool


def spend_and_commit(tx: OwnTransaction, user_id, rows: list[Transaction], *, settle: bool, now) -> Spent | None:
    """A whole spend as one statement, its own transaction in autocommit: one round trip (PostgreSQL). The
    statement locks the user's balance, chains the rows from its credits, inserts those not recorded yet,
    settles the oldest hold when `settle` and the balance holds credits, and saves the balance.

    None, with nothing written, when the user has no balance or their message was charged in part before
    (some rows recorded, not all): the caller runs the spend under Django's transaction, which opens the
    balance or chains the rows actually new. When no row is new, nothing is written."""
    import psycopg

    connection = tx.connection
    statement, cast_fields = _one_spend(connection, len(rows))
    when = Balance._meta.get_field("updated_at").get_db_prep_save(now, connection)
    params = [
        user_id,
        *(value for values in _insert_params(cast_fields, connection, rows) for value in values),
        *(Hold.Status.SETTLED.value, when, user_id, Hold.Status.ACTIVE.value, settle),
        *(settle, when, len(rows)),
        len(rows),
    ]
    try:
        tx.run_alone(statement, params)
    except DataError as error:
        if not isinstance(error.__cause__, psycopg.errors.DivisionByZero):
            raise
        return None  # the statement failed on purpose, and its transaction with it
    found = tx.cursor.fetchall()
    if not found:
        return None
    new = {(token_type, item): (pk, chain) for pk, token_type, item, *chain in (got[:6] for got in found) if pk}
    written = []
    for row in rows:
        if (row.token_type, row.item) in new:
            pk, (row.balance_before, row.balance_after, row.written_off) = new[row.token_type, row.item]
            written.append(_saved(row, pk, connection))
    credits_after, credits_before, settled = found[0][6:9]
    return Spent(written, credits_after if written else credits_before, settled > 0)


# Columns of the rows the statement computes itself: book.chain_from()'s rule, in SQL.
_CHAIN = ("balance_before", "balance_after", "written_off")
_one_spends: dict[tuple[str, int], tuple[str, tuple]] = {}


def _one_spend(connection, count: int) -> tuple[str, tuple]:
    """spend_and_commit()'s statement for `count` rows and the insert fields its parameters carry, built once
    per row count (a spend has one to four rows)."""
    key = (connection.vendor, count)
    if key not in _one_spends:
        quote = connection.ops.quote_name
        sql = _sql(connection)
        balance, tx = quote(Balance._meta.db_table), quote(Transaction._meta.db_table)
        carried = tuple(item for item in sql.insert_fields if item[0] not in _CHAIN)
        names = [quote(field.column) for _, field, _ in carried]
        # Every value is cast to its column's type: a None is sent without one, and psycopg sends an int as the
        # smallest integer type that holds it.
        row = ", ".join(f"%s::{field.db_type(connection)}" for _, field, _ in carried)
        values = ", ".join(f"({ordinal}, {row})" for ordinal in range(1, count + 1))
        after = "CASE WHEN c.raw > 0 THEN c.raw ELSE 0 END"  # max(0.0, raw), as Python's max() picks
        # The last SELECT divides by zero when some rows but not all were written: the statement fails on
        # purpose, and nothing it did is committed. Divided by a count, not a constant 1/0, which the planner
        # would fold into an error for every call.
        statement = f"""WITH RECURSIVE
b AS (SELECT id, token_credits, held_credits FROM {balance} WHERE user_id = %s FOR UPDATE),
v (ord, {", ".join(names)}) AS (VALUES {values}),
chained (ord, before, raw) AS (
    SELECT v.ord, b.token_credits, b.token_credits + v.token_value FROM b JOIN v ON v.ord = 1
  UNION ALL
    SELECT v.ord, {after}, {after} + v.token_value FROM chained c JOIN v ON v.ord = c.ord + 1
),
written AS (
    INSERT INTO {tx} ({", ".join(names)}, {", ".join(quote(name) for name in _CHAIN)})
    SELECT {", ".join(f"v.{name}" for name in names)}, c.before, {after}, CASE WHEN c.raw < 0 THEN -c.raw ELSE 0 END
    FROM v JOIN chained c ON c.ord = v.ord ORDER BY v.ord
    ON CONFLICT DO NOTHING RETURNING id, token_type, item, balance_before, balance_after, written_off
),
settled AS (
    {sql.settle_hold_unreturned} AND %s AND (SELECT held_credits FROM b) > 0 AND EXISTS (SELECT FROM written)
    RETURNING amount
),
credits_after AS (SELECT {after} AS credits FROM chained c ORDER BY c.ord DESC LIMIT 1),
saved AS (
    UPDATE {balance} SET token_credits = (SELECT credits FROM credits_after), held_credits = CASE
        WHEN NOT %s OR b.held_credits <= 0 THEN b.held_credits
        WHEN s.amount IS NULL THEN 0
        WHEN b.held_credits - s.amount > 0 THEN b.held_credits - s.amount ELSE 0 END, updated_at = %s
    FROM b LEFT JOIN settled s ON true WHERE {balance}.id = b.id AND (SELECT count(*) FROM written) = %s
)
SELECT w.id, w.token_type, w.item, w.balance_before, w.balance_after, w.written_off,
    (SELECT credits FROM credits_after), b.token_credits, (SELECT count(*) FROM settled),
    1 / ((SELECT count(*) FROM written) IN (0, %s))::int
FROM b LEFT JOIN written w ON true"""
        _one_spends[key] = statement, carried
    return _one_spends[key]


def settle_oldest_hold(cursor, connection, user_id, now: datetime) -> float | None:
    """Settle the user's oldest active hold; its amount, or None when no hold is active."""
    closed_at = Hold._meta.get_field("closed_at").get_db_prep_save(now, connection)
    # Plain strings: psycopg would send an Enum member by its name.
    params = [Hold.Status.SETTLED.value, closed_at, user_id, Hold.Status.ACTIVE.value]
    cursor.execute(_sql(connection).settle_hold, params)
    found = cursor.fetchone()
    return None if found is None else found[0]


def save_balance(cursor, connection, pk, credits: float, held: float, now: datetime) -> None:
    updated_at = Balance._meta.get_field("updated_at").get_db_prep_save(now, connection)
    cursor.execute(_sql(connection).save_balance, [credits, held, updated_at, pk])
