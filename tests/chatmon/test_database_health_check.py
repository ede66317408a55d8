"""PostgreSQL's health check (chatmon/core/db/postgresql): a connection that served a request without a
database error within CONN_HEALTH_CHECK_GRACE seconds is not checked again; an idle one is, and a dead one is
then replaced before the request's first query."""

from __future__ import annotations

import time

import pytest
from django.db import close_old_connections, connection

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no connection to check"),
]


@pytest.fixture
def checks(monkeypatch):
    """The health checks made (SELECT 1 round trips), counted around the backend's own is_usable()."""
    made = []
    real = connection.is_usable
    monkeypatch.setattr(connection, "is_usable", lambda: made.append(1) or real())
    return made


def request(sql: str = "SELECT 1") -> None:
    """What one request does with the connection: its start, a query, its end."""
    close_old_connections()
    with connection.cursor() as cursor:
        cursor.execute(sql)
    close_old_connections()


@pytest.fixture
def grace(monkeypatch):
    def set_grace(seconds: float) -> None:
        monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECK_GRACE", seconds)

    return set_grace


def test_a_connection_in_steady_use_is_not_checked(checks, grace):
    grace(60)
    request()  # the connection serves a request
    for _ in range(5):
        request()
    assert checks == []


def test_an_idle_connection_is_checked_after_the_grace(checks, grace):
    grace(0.05)
    request()
    time.sleep(0.1)
    request()
    assert len(checks) == 1


def test_without_a_grace_every_request_is_checked(checks, grace):
    grace(0)
    request()
    request()
    request()
    assert len(checks) >= 2  # the first request may open the connection, which needs no check


def test_a_dead_idle_connection_is_replaced_before_the_first_query(grace):
    grace(0.05)
    request()
    dead = connection.connection.info.backend_pid
    other = connection.copy()
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [dead])
    other.close()
    time.sleep(0.1)
    request()  # no error: the check found the connection dead and Django opened another
    assert connection.connection.info.backend_pid != dead
