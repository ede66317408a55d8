"""Prometheus metrics of chatmon.logging: unhandled exceptions and slow queries (small, fixed label sets)."""

from __future__ import annotations

from prometheus_client import Counter

UNHANDLED_EXCEPTIONS = Counter(
    "chatmon_unhandled_exceptions_total",
    "Exceptions that escaped a view or task, by exception type and route template (or task name).",
    ["exception", "route"],
)
SLOW_QUERIES = Counter(
    "chatmon_slow_queries_total",
    "Database queries slower than SLOW_QUERY_MS, by database alias and the route or task that ran them.",
    ["database", "source"],
)


def exception_label(error: BaseException) -> str:
    """`ValueError` for builtins, `django.db.utils.IntegrityError` otherwise: bounded by the code base."""
    kind = type(error)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
