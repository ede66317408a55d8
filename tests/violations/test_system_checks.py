"""Violations system checks: the ban check and route guards after authentication and the audit log, the ban
check before the route guards (violations.W001...)."""

from __future__ import annotations

import pytest
from django.core.checks import Tags, run_checks
from django.test import override_settings

from violations import checks

SESSIONS = "django.contrib.sessions.middleware.SessionMiddleware"
GOOD = [SESSIONS, checks.AUTH_MIDDLEWARE, checks.AUDITLOG_MIDDLEWARE, checks.BAN_CHECK, checks.ROUTE_GUARD]


def ids(messages) -> list[str]:
    return [m.id for m in messages]


def moved(name: str, *, before: str) -> list[str]:
    middleware = [entry for entry in GOOD if entry != name]
    middleware.insert(middleware.index(before), name)
    return middleware


def test_it_accepts_the_shipped_settings():
    assert ids(checks.check_middleware()) == []


@pytest.mark.parametrize(
    ("middleware", "expected"),
    [
        (GOOD, []),
        ([SESSIONS, checks.AUTH_MIDDLEWARE, checks.BAN_CHECK, checks.ROUTE_GUARD], []),  # no audit log
        ([SESSIONS, checks.AUTH_MIDDLEWARE, checks.AUDITLOG_MIDDLEWARE, checks.ROUTE_GUARD], []),  # no ban check
        (moved(checks.BAN_CHECK, before=checks.AUTH_MIDDLEWARE), ["violations.W001", "violations.W002"]),
        (moved(checks.BAN_CHECK, before=checks.AUDITLOG_MIDDLEWARE), ["violations.W002"]),
        (moved(checks.ROUTE_GUARD, before=checks.BAN_CHECK), ["violations.W003"]),
        (moved(checks.ROUTE_GUARD, before=checks.AUDITLOG_MIDDLEWARE), ["violations.W003", "violations.W005"]),
        (
            moved(checks.ROUTE_GUARD, before=checks.AUTH_MIDDLEWARE),
            ["violations.W003", "violations.W004", "violations.W005"],
        ),
        ([SESSIONS, checks.BAN_CHECK, checks.ROUTE_GUARD], ["violations.W001", "violations.W004"]),  # no auth
    ],
    ids=[
        "good",
        "without-audit-log",
        "without-ban-check",
        "ban-check-before-auth",
        "ban-check-before-audit-log",
        "route-guard-before-ban-check",
        "route-guard-before-audit-log",
        "route-guard-before-auth",
        "without-auth",
    ],
)
def test_it_checks_the_order(middleware, expected):
    with override_settings(MIDDLEWARE=middleware):
        messages = checks.check_middleware()
    assert ids(messages) == expected
    assert all(message.hint for message in messages)


@override_settings(MIDDLEWARE=moved(checks.ROUTE_GUARD, before=checks.BAN_CHECK))
def test_it_is_registered_with_django():
    assert "violations.W003" in ids(run_checks(tags=[Tags.compatibility]))
