"""System checks chatmon.W001... are compared by id."""

from __future__ import annotations

import pytest
from django.test import override_settings

from chatmon.core import checks

GOOD_MIDDLEWARE = [checks.REQUEST_CONTEXT, checks.MONITORING, "django.contrib.sessions.middleware.SessionMiddleware"]
WITH_PROMETHEUS = [checks.PROMETHEUS_BEFORE, *GOOD_MIDDLEWARE, checks.PROMETHEUS_AFTER]


def ids(messages) -> list[str]:
    return [m.id for m in messages]


def test_it_accepts_the_shipped_settings():
    assert ids(checks.check_middleware()) == []
    assert ids(checks.check_broker()) == []
    assert ids(checks.check_metrics_allowlist()) == []


@override_settings(MIDDLEWARE=WITH_PROMETHEUS)
def test_it_accepts_django_prometheus_pair_around_everything():
    assert ids(checks.check_middleware()) == []


@override_settings(MIDDLEWARE=GOOD_MIDDLEWARE[1:])
def test_it_warns_about_missing_middleware():
    assert ids(checks.check_middleware()) == ["chatmon.W001"]


@override_settings(MIDDLEWARE=[WITH_PROMETHEUS[3], *WITH_PROMETHEUS[:3], WITH_PROMETHEUS[4]])
def test_it_warns_when_prometheus_does_not_wrap_everything():
    assert ids(checks.check_middleware()) == ["chatmon.W002"]


@override_settings(MIDDLEWARE=[GOOD_MIDDLEWARE[2], GOOD_MIDDLEWARE[0], GOOD_MIDDLEWARE[1]])
def test_it_warns_when_the_request_context_comes_late():
    assert ids(checks.check_middleware()) == ["chatmon.W002"]


@override_settings(MIDDLEWARE=[GOOD_MIDDLEWARE[1], GOOD_MIDDLEWARE[0], GOOD_MIDDLEWARE[2]])
def test_it_warns_when_monitoring_comes_before_the_request_context():
    assert ids(checks.check_middleware()) == ["chatmon.W002"]


@override_settings(CELERY_BROKER_URL="")
def test_it_warns_without_a_broker():
    assert ids(checks.check_broker()) == ["chatmon.W003"]


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
@override_settings(
    DATABASES={"default": {"ENGINE": "django_prometheus.db.backends.sqlite3", "NAME": "x"}},
    EMBEDDED_VALKEY=True,
    METRICS_TOKEN="",
    METRICS_ALLOWED_IPS=[],
)
def test_it_warns_about_laptop_defaults_in_production():
    assert ids(checks.check_production_defaults()) == ["chatmon.W004", "chatmon.W005", "chatmon.W006"]


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
@override_settings(
    DATABASES={"default": {"ENGINE": "django_prometheus.db.backends.postgresql", "NAME": "x"}},
    EMBEDDED_VALKEY=False,
    METRICS_TOKEN="token",
)
def test_it_is_quiet_with_production_services():
    assert ids(checks.check_production_defaults()) == []


@override_settings(METRICS_ALLOWED_IPS=["10.0.0.0/8", "not-an-ip"])
def test_it_warns_about_a_bad_allowlist_entry():
    messages = checks.check_metrics_allowlist()
    assert ids(messages) == ["chatmon.W007"]
    assert "not-an-ip" in messages[0].msg
