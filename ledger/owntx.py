"""A spend's transaction sent to the database driver directly, outside Django's atomic() (ledger/spendsql.py).

A spend is one short transaction: BEGIN, lock the user's balance, insert the rows, save the balance, COMMIT.
Through Django, each statement passes its cursor wrappers, and atomic() adds its own bookkeeping (and on
PostgreSQL psycopg sends BEGIN by itself and waits for it); on SQLite all of that happens while the database's
one write lock is held. OwnTransaction runs the same statements on the driver's cursor:

- PostgreSQL: statements sent together go as one query string, one round trip (one wait: psycopg's pipeline
  mode measured a dozen waits per spend), and statements with parameters run as SQL-level prepared
  statements (`EXECUTE name(...)`; a connection's first use of one sends its `PREPARE` alone first): the
  server parses and plans a spend's insert once per connection, not per spend. LEDGER_PREPARE_SPENDS turns
  preparing off (behind a pooler that does not track prepared statements).
- SQLite: the statements one after the other on the sqlite3 cursor, BEGIN in Django's transaction_mode.

What stays as through Django: the connection's execute wrappers (chatmon's slow query log and SQL spans) see
each round trip as one query (its statements joined by "; "), connection.queries lists it with DEBUG, and
driver errors are raised as Django's (IntegrityError, OperationalError, ...). What does not: django-prometheus'
per-query counters (ledger_spend_seconds times each spend).
"""

from __future__ import annotations

import functools
import hashlib
import re
import time
import weakref
from contextlib import suppress

from ledger import conf

_ENDS = frozenset({"COMMIT", "ROLLBACK"})


class OwnTransaction:
    """Used as a context manager: ROLLBACK when the block raises, COMMIT when it ends unless the transaction
    has ended already (COMMIT sent with the last statements, a rollback). `cursor` takes spendsql's
    statements (with Django's %s placeholders) for functions written for a Django cursor."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.ended = False

    def __enter__(self):
        self.connection.close_if_health_check_failed()  # as Django's cursor() does first
        self.connection.ensure_connection()
        raw = self.connection.connection
        self._driver = _Psycopg(raw) if self.connection.vendor == "postgresql" else _Sqlite3(raw, self.connection)
        self.cursor = _Cursor(self)
        return self

    @property
    def begin(self) -> str:
        return self._driver.begin

    @property
    def joins_statements(self) -> bool:
        """Whether run() sends several statements as one query, one round trip (else one by one)."""
        return self._driver.joins_statements

    def __exit__(self, exc_type, exc, traceback) -> None:
        try:
            if exc_type is not None:
                self.rollback()
            elif not self.ended:
                self.run([("COMMIT", None)])
        finally:
            self._driver.close()
            # The cursor refers back to this transaction: without it, the pair (and the driver's cursor with
            # its adapters) would wait for Python's cycle collector instead of going at once.
            del self.cursor
        if exc_type is not None:
            # Statements on the driver raise its own errors: raised again as Django's.
            self.connection.wrap_database_errors.__exit__(exc_type, exc, traceback)

    def run(self, statements: list[tuple[str, list | None]], *, many: bool = False) -> None:
        """Send `statements` (in one round trip where the driver can), through the connection's execute
        wrappers as one query; the rows of the last one that is not COMMIT are left for fetchone/fetchall."""
        sql = "; ".join(statement for statement, _ in statements)

        def execute(_sql, _params, _many, _context):
            self._driver.send(statements, many)
            if statements[-1][0] in _ENDS:
                self.ended = True

        wrapped = execute
        for wrapper in reversed(self.connection.execute_wrappers):
            wrapped = functools.partial(wrapper, wrapped)
        started = time.perf_counter()
        with self.connection.wrap_database_errors:
            wrapped(sql, None, many, {"connection": self.connection, "cursor": self.cursor})
        if self.connection.queries_logged:
            self.connection.queries_log.append({"sql": sql, "time": f"{time.perf_counter() - started:.3f}"})

    def rollback(self) -> None:
        self.ended = True
        if self._driver.in_transaction():
            with suppress(Exception):  # a broken connection: the error that broke it is the one to raise
                self._driver.send([("ROLLBACK", None)], False)


class _Cursor:
    """What spendsql's functions use of a Django cursor, on the transaction's driver."""

    def __init__(self, tx: OwnTransaction) -> None:
        self._tx = tx
        self._rows = tx._driver.cursor

    def execute(self, sql: str, params=None) -> None:
        self._tx.run([(sql, params)])

    def executemany(self, sql: str, param_list) -> None:
        self._tx.run([(sql, param_list)], many=True)

    def fetchone(self):
        return self._rows.fetchone()

    def fetchall(self):
        return self._rows.fetchall()

    @property
    def rowcount(self) -> int:
        return self._rows.rowcount

    @property
    def lastrowid(self):
        return self._rows.lastrowid


class _Psycopg:
    begin = "BEGIN"
    joins_statements = True

    def __init__(self, raw) -> None:
        import psycopg  # here: the ledger runs on SQLite without it

        self._raw = raw
        self._prepare = conf.prepare_spends()
        self._prepared = _prepared.setdefault(raw, set())
        self._idle = psycopg.pq.TransactionStatus.IDLE
        # Client-side binding, as Django's own cursors: statements sent together go as one query string.
        self.cursor = psycopg.ClientCursor(raw)

    def send(self, statements: list, many: bool) -> None:
        if many:
            (statement, params), *_ = statements
            self.cursor.executemany(statement, params)
            return
        parts, values, rows_at = [], [], 0
        for statement, params in statements:
            if params is not None and self._prepare:
                parts.extend(self._prepared_call(statement, len(params)))
            else:
                parts.append(statement)
            values.extend(params or ())
            if statement not in _ENDS:
                rows_at = len(parts) - 1
        self.cursor.execute("; ".join(parts), values)
        # The cursor is on the first statement's result: move to the last one with rows (not COMMIT's).
        for _ in range(rows_at):
            self.cursor.nextset()

    def _prepared_call(self, statement: str, count: int) -> list[str]:
        """`EXECUTE name(%s, ...)` for `statement`, prepared on this connection the first time it needs it (a
        round trip of its own, once: a PREPARE that fails is then an error of its own, never recorded)."""
        name = _statement_name(statement)
        if name not in self._prepared:
            numbered = iter(range(1, count + 1))
            self.cursor.execute(f"PREPARE {name} AS {_PLACEHOLDER.sub(lambda _: f'${next(numbered)}', statement)}")
            self._prepared.add(name)  # a ROLLBACK does not undo a PREPARE
        return [f"EXECUTE {name}({', '.join(['%s'] * count)})" if count else f"EXECUTE {name}"]

    def in_transaction(self) -> bool:
        return self._raw.info.transaction_status != self._idle

    def close(self) -> None:
        self.cursor.close()


@functools.lru_cache(maxsize=64)
def _statement_name(statement: str) -> str:
    return f"ledger_{hashlib.sha1(statement.encode()).hexdigest()[:16]}"


# Per psycopg connection, the names of the statements prepared on it (a new connection starts with none).
_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_PLACEHOLDER = re.compile(r"%s")


class _Sqlite3:
    joins_statements = False

    def __init__(self, raw, connection) -> None:
        self._raw = raw
        self.begin = f"BEGIN {connection.transaction_mode or ''}".strip()
        self.cursor = raw.cursor()
        self._end = raw.cursor()

    def send(self, statements: list, many: bool) -> None:
        for statement, params in statements:
            cursor = self._end if statement in _ENDS else self.cursor
            (cursor.executemany if many else cursor.execute)(_qmark(statement), params or ())

    def in_transaction(self) -> bool:
        return self._raw.in_transaction

    def close(self) -> None:
        self.cursor.close()
        self._end.close()


@functools.lru_cache(maxsize=64)
def _qmark(sql: str) -> str:
    # spendsql writes Django's %s; sqlite3 takes ?. Its statements hold no other %.
    return sql.replace("%s", "?")
