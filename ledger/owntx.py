"""A spend's transaction sent to the database driver directly, outside Django's atomic() (ledger/spendsql.py).

A spend is one short transaction: lock the user's balance, insert the rows, save the balance. Through Django,
each statement passes its cursor wrappers, and atomic() adds its own bookkeeping (and on PostgreSQL psycopg
sends BEGIN by itself and waits for it); on SQLite all of that happens while the database's one write lock is
held. OwnTransaction runs the statements on the driver's cursor:

- PostgreSQL: the whole spend is one statement (spendsql.spend_and_commit), which in autocommit is a
  transaction by itself: no BEGIN, no COMMIT, one round trip. Its parameters are bound on the server (sent
  apart from the statement, dumped by psycopg's C adapters: quoting them into the query text in Python cost a
  spend about a twentieth of its instructions), and it is a prepared statement of each connection, parsed and
  planned once (psycopg's own, `_pg3_<n>`). LEDGER_PREPARE_SPENDS turns preparing off (behind a pooler that
  does not track prepared statements).
- SQLite: BEGIN in Django's transaction_mode, then the statements one after the other on the sqlite3 cursor.

What stays as through Django: the connection's execute wrappers (chatmon's slow query log and SQL spans) see
each round trip as one query, connection.queries lists it with DEBUG, and driver errors are raised as
Django's (IntegrityError, OperationalError, ...). What does not: django-prometheus' per-query counters
(ledger_spend_seconds times each spend).
"""

from __future__ import annotations

import functools
import time
from contextlib import suppress

from ledger import conf

_ENDS = frozenset({"COMMIT", "ROLLBACK"})


class OwnTransaction:
    """Used as a context manager: ROLLBACK when the block raises, COMMIT when it ends unless the transaction
    has ended already (COMMIT sent with the last statements, a statement run alone, a rollback). `cursor`
    takes spendsql's statements (with Django's %s placeholders) for functions written for a Django cursor."""

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
        """The statement that starts a transaction of several statements (SQLite's)."""
        return self._driver.begin

    @property
    def one_statement(self) -> bool:
        """Whether a spend is one statement run alone (run_alone), its own transaction (PostgreSQL)."""
        return self._driver.one_statement

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
        """Send `statements` one after the other, through the connection's execute wrappers as one query; the
        rows of the last one that is not COMMIT are left for fetchone/fetchall."""

        def send():
            self._driver.send(statements, many)
            if statements[-1][0] in _ENDS:
                self.ended = True

        self._through_wrappers("; ".join(statement for statement, _ in statements), many, send)

    def run_alone(self, statement: str, params: list) -> None:
        """Run `statement` as the whole transaction (the connection is in autocommit: the statement commits,
        or rolls back if it fails); its rows are left for fetchone/fetchall."""
        self.ended = True  # whatever happens: nothing to COMMIT or ROLLBACK after it
        self._through_wrappers(statement, False, lambda: self._driver.send_alone(statement, params))

    def _through_wrappers(self, sql: str, many: bool, send) -> None:
        def wrapped(_sql, _params, _many, _context):  # the signature the wrappers call
            send()

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
    one_statement = True

    def __init__(self, raw) -> None:
        import psycopg  # here: the ledger runs on SQLite without it

        self._raw = raw
        self._prepare = conf.prepare_spends()
        self._idle = psycopg.pq.TransactionStatus.IDLE
        self.cursor = psycopg.Cursor(raw)  # server-side binding, as Django's cursors do not

    def send(self, statements: list, many: bool) -> None:
        for statement, params in statements:
            (self.cursor.executemany if many else self.cursor.execute)(statement, params)

    def send_alone(self, statement: str, params: list) -> None:
        raw = self._raw
        threshold = raw.prepare_threshold
        if self._prepare and threshold is None:
            # Django turns psycopg's preparing off (None) for the connection's queries; psycopg then ignores
            # prepare=True. On for this call only: Django's queries stay as Django set them.
            raw.prepare_threshold = 0
        try:
            self.cursor.execute(statement, params, prepare=self._prepare)
        finally:
            raw.prepare_threshold = threshold

    def in_transaction(self) -> bool:
        return self._raw.info.transaction_status != self._idle

    def close(self) -> None:
        self.cursor.close()


class _Sqlite3:
    one_statement = False

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
