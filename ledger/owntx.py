"""A spend's transaction sent to the database driver directly, outside Django's atomic() (ledger/spendsql.py).

A spend is one short transaction: BEGIN, lock the user's balance, insert the rows, save the balance, COMMIT.
Through Django, each statement passes its cursor wrappers, and atomic() adds its own bookkeeping (and on
PostgreSQL psycopg sends BEGIN by itself and waits for it); on SQLite all of that happens while the database's
one write lock is held. OwnTransaction runs the same statements on the driver's cursor:

- PostgreSQL: statements sent together go in one round trip (psycopg's pipeline), and statements with
  parameters are prepared, with server-side binding (Django binds on the client, which cannot prepare):
  the server parses and plans a spend's statements once per connection. LEDGER_PREPARE_SPENDS turns
  preparing off (behind a pooler that does not track prepared statements).
- SQLite: the statements one after the other on the sqlite3 cursor, BEGIN in Django's transaction_mode.

What stays as through Django: the connection's execute wrappers (chatmon's slow query log and SQL spans) see
each round trip as one query (its statements joined by "; "), connection.queries lists it with DEBUG, and
driver errors are raised as Django's (IntegrityError, OperationalError, ...). What does not: django-prometheus'
per-query counters (ledger_spend_seconds times each spend).
"""

from __future__ import annotations

import functools
import time
from contextlib import suppress

from ledger import conf

_ENDS = frozenset({"COMMIT", "ROLLBACK"})
_NEVER = 2**62  # a prepare_threshold no query reaches


class OwnTransaction:
    """Used as a context manager: ROLLBACK when the block raises, COMMIT when it ends unless the transaction
    has ended already (a pipeline that committed, a rollback). `cursor` takes spendsql's statements (with
    Django's %s placeholders) for functions written for a Django cursor."""

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
    def pipelines(self) -> bool:
        """Whether run() sends several statements in one round trip (else it runs them one by one)."""
        return self._driver.pipelines

    def __exit__(self, exc_type, exc, traceback) -> None:
        try:
            if exc_type is not None:
                self.rollback()
            elif not self.ended:
                self.run([("COMMIT", None)])
        finally:
            self._driver.close()
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
    pipelines = True

    def __init__(self, raw) -> None:
        import psycopg  # here: the ledger runs on SQLite without it

        self._raw = raw
        self._prepare = conf.prepare_spends()
        if self._prepare and raw.prepare_threshold is None:
            # Django's default (None) turns preparing off even for prepare=True; a threshold no query reaches
            # leaves every other query as it was.
            raw.prepare_threshold = _NEVER
        self._idle = psycopg.pq.TransactionStatus.IDLE
        self.cursor = psycopg.Cursor(raw)  # server-side binding
        self._end = psycopg.Cursor(raw)  # COMMIT and ROLLBACK, so that `cursor` keeps the rows before them

    def send(self, statements: list, many: bool) -> None:
        if len(statements) == 1:
            self._execute(*statements[0], many)
            return
        with self._raw.pipeline():
            for statement, params in statements:
                self._execute(statement, params, many)

    def _execute(self, statement: str, params, many: bool) -> None:
        cursor = self._end if statement in _ENDS else self.cursor
        if many:
            cursor.executemany(statement, params)
        else:
            cursor.execute(statement, params, prepare=self._prepare and params is not None)

    def in_transaction(self) -> bool:
        return self._raw.info.transaction_status != self._idle

    def close(self) -> None:
        self.cursor.close()
        self._end.close()


class _Sqlite3:
    pipelines = False

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
