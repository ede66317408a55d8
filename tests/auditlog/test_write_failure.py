"""A failed audit write is logged at error and counted, and the request completes; AUDITLOG_STRICT fails it."""

from __future__ import annotations

import logging
from contextlib import contextmanager

import pytest
from django.db import DatabaseError, connection
from prometheus_client import REGISTRY

from auditlog.models import AuditEvent
from auditlog.services import record

FAILURES = "auditlog_write_failures_total"
TABLE = AuditEvent._meta.db_table


@contextmanager
def audit_table_gone():
    """Every insert into the audit table fails (a real database error) until the block ends. The rename is
    DDL in the test's transaction on both PostgreSQL and SQLite, so it cannot outlive the test."""
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {TABLE}_away")
        try:
            yield
        finally:
            cursor.execute(f"ALTER TABLE {TABLE}_away RENAME TO {TABLE}")


def test_it_logs_and_counts_a_failed_write_and_the_login_still_succeeds(api, member, caplog):
    before = REGISTRY.get_sample_value(FAILURES) or 0
    with caplog.at_level(logging.ERROR, logger="auditlog.services"), audit_table_gone():
        response = api.post("login", {"username": "member", "password": "member-pass-1"})
        assert response.status_code == 200
        assert api.get("conversations").status_code == 200  # the session works: the login's transaction is intact
    assert REGISTRY.get_sample_value(FAILURES) == before + 1
    assert "could not write auth.login event" in caplog.text
    assert not AuditEvent.objects.filter(action="auth.login").exists()


def test_it_returns_the_unsaved_event(db):
    with audit_table_gone():
        event = record(action="auth.logout")
    assert event.pk is None and event.action == "auth.logout"


def test_it_fails_the_request_in_strict_mode(api, member, settings):
    settings.AUDITLOG_STRICT = True
    # The database error reaches chatmon's error handler, which answers with a JSON error, not the login's 200.
    with audit_table_gone():
        response = api.post("login", {"username": "member", "password": "member-pass-1"})
    assert response.status_code >= 400


def test_it_raises_in_strict_mode(db, settings):
    settings.AUDITLOG_STRICT = True
    with audit_table_gone(), pytest.raises(DatabaseError):
        record(action="auth.logout")
