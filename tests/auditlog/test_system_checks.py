"""Audit log system checks: AuditlogMiddleware after AuthenticationMiddleware (auditlog.W001)."""

from __future__ import annotations

from django.core.checks import Tags, run_checks
from django.test import override_settings

from auditlog import checks

SESSIONS = "django.contrib.sessions.middleware.SessionMiddleware"


def ids(messages) -> list[str]:
    return [m.id for m in messages]


def test_it_accepts_the_shipped_settings():
    assert ids(checks.check_middleware()) == []


@override_settings(MIDDLEWARE=[SESSIONS, checks.AUDITLOG_MIDDLEWARE, checks.AUTH_MIDDLEWARE])
def test_it_warns_when_the_audit_log_comes_before_authentication():
    messages = checks.check_middleware()
    assert ids(messages) == ["auditlog.W001"]
    assert messages[0].hint


@override_settings(MIDDLEWARE=[SESSIONS, checks.AUDITLOG_MIDDLEWARE])
def test_it_warns_without_authentication():
    assert ids(checks.check_middleware()) == ["auditlog.W001"]


@override_settings(MIDDLEWARE=[SESSIONS, checks.AUTH_MIDDLEWARE])
def test_it_leaves_a_project_without_the_audit_middleware_alone():
    assert ids(checks.check_middleware()) == []


@override_settings(MIDDLEWARE=[SESSIONS, checks.AUDITLOG_MIDDLEWARE, checks.AUTH_MIDDLEWARE])
def test_it_is_registered_with_django():
    assert "auditlog.W001" in ids(run_checks(tags=[Tags.compatibility]))
