"""Slow query log and SQL spans, through Django's execute wrapper on every database connection.

The wrapper is installed when a connection is created, so it covers requests, Celery tasks and management
commands alike; it costs one clock read per query, plus a span when tracing is on.
"""

from __future__ import annotations

import logging
import time
from contextlib import nullcontext
from typing import Any

from django.db.backends.signals import connection_created

from chatmon.core import context
from chatmon.logging import conf, tracing
from chatmon.logging.metrics import SLOW_QUERIES
from chatmon.logging.redaction import redact

logger = logging.getLogger("chatmon.db")


def source() -> str:
    """The route template of the current request, else the current task's name, else ''."""
    request = context.current.get()
    if request and request.route:
        return request.route
    task = context.current_task.get()
    return task.task_name if task else ""


def _span(connection: Any, sql: str) -> Any:
    if not tracing.active():
        return nullcontext()
    attributes = {"db.system": connection.vendor, "db.statement": redact(sql)[:2000]}
    return tracing.tracer().start_as_current_span(f"{connection.vendor} query", attributes=attributes)


class QueryTimer:
    """Times each query on one connection; one instance per connection (the wrapper needs the alias)."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, ctx: dict) -> Any:
        started = time.perf_counter()
        try:
            with _span(self.connection, sql):
                return execute(sql, params, many, ctx)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            if elapsed_ms >= conf.slow_query_ms():
                self.report(sql, elapsed_ms)

    def report(self, sql: str, elapsed_ms: float) -> None:
        where = source()
        SLOW_QUERIES.labels(database=self.connection.alias, source=where or "<none>").inc()
        # The SQL without its parameters (they hold user data), and redacted in case literals carry secrets.
        logger.warning(
            "Slow query (%.1f ms) on %s: %s",
            elapsed_ms,
            where or "<no request or task>",
            redact(sql, trim_length=1000),
            extra={"duration_ms": round(elapsed_ms, 1), "database": self.connection.alias, "source": where},
        )


def _install(sender: Any = None, connection: Any = None, **_kwargs: Any) -> None:
    if not any(isinstance(wrapper, QueryTimer) for wrapper in connection.execute_wrappers):
        connection.execute_wrappers.append(QueryTimer(connection))


def connect() -> None:
    connection_created.connect(_install, dispatch_uid="chatmon.logging.queries")
