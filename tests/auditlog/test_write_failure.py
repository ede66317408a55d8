"""A failed audit write is logged at error and counted, and the request completes; AUDITLOG_STRICT fails it."""

from __future__ import annotations

import logging

import pytest
from django.db import IntegrityError
from prometheus_client import REGISTRY

from auditlog.models import AuditEvent, ChainHead
from auditlog.services import record

FAILURES = "auditlog_write_failures_total"


def _break_the_chain_head() -> None:
    """A head behind the last event makes the next append collide with an existing position (unique seq)."""
    record(action="system.retention_pruned")
    ChainHead.objects.update(seq=0)


def test_it_logs_and_counts_a_failed_write_and_the_login_still_succeeds(api, member, caplog):
    _break_the_chain_head()
    before = REGISTRY.get_sample_value(FAILURES) or 0
    with caplog.at_level(logging.ERROR, logger="auditlog.services"):
        response = api.post("login", {"username": "member", "password": "member-pass-1"})
    assert response.status_code == 200
    assert api.get("conversations").status_code == 200  # the session works: the login's transaction is intact
    assert REGISTRY.get_sample_value(FAILURES) == before + 1
    assert "could not write auth.login event" in caplog.text
    assert not AuditEvent.objects.filter(action="auth.login").exists()


def test_it_returns_the_unsaved_event(db):
    _break_the_chain_head()
    event = record(action="auth.logout")
    assert event.pk is None and event.action == "auth.logout"


def test_it_fails_the_request_in_strict_mode(api, member, settings):
    settings.AUDITLOG_STRICT = True
    _break_the_chain_head()
    # The IntegrityError reaches chatmon's error handler, which answers with a JSON error, not the login's 200.
    response = api.post("login", {"username": "member", "password": "member-pass-1"})
    assert response.status_code >= 400


def test_it_raises_in_strict_mode(db, settings):
    settings.AUDITLOG_STRICT = True
    _break_the_chain_head()
    with pytest.raises(IntegrityError):
        record(action="auth.logout")
