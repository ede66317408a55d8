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
    assert ids(checks.check_anonymous_caller()) == []
    assert ids(checks.check_api_errors()) == []
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


AUTH_STACK = [
    checks.REQUEST_CONTEXT,
    checks.MONITORING,
    checks.API_ERRORS,
    "django.contrib.sessions.middleware.SessionMiddleware",
    checks.AUTHENTICATION,
    checks.ANONYMOUS_CALLER,
    "auditlog.middleware.AuditlogMiddleware",
]


class ExceptionHandlingMiddleware:
    """Stands for a chat app's own middleware with a process_exception (error reporting, say)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return None


HANDLER = f"{__name__}.ExceptionHandlingMiddleware"


def without(*names: str) -> list[str]:
    return [name for name in AUTH_STACK if name not in names]


@override_settings(MIDDLEWARE=AUTH_STACK)
def test_it_accepts_the_anonymous_caller_right_after_authentication():
    assert ids(checks.check_anonymous_caller()) == []


@override_settings(MIDDLEWARE=[*without(checks.ANONYMOUS_CALLER), checks.ANONYMOUS_CALLER])
def test_it_warns_when_something_comes_between_authentication_and_the_anonymous_caller():
    assert ids(checks.check_anonymous_caller()) == ["chatmon.W008"]


@override_settings(MIDDLEWARE=without(checks.ANONYMOUS_CALLER))
def test_it_warns_when_the_anonymous_caller_is_missing_behind_authentication():
    assert ids(checks.check_anonymous_caller()) == ["chatmon.W008"]


@override_settings(MIDDLEWARE=without(checks.AUTHENTICATION, checks.ANONYMOUS_CALLER))
def test_it_needs_no_anonymous_caller_without_authentication():
    assert ids(checks.check_anonymous_caller()) == []


@override_settings(MIDDLEWARE=without(checks.API_ERRORS))
def test_it_warns_when_the_api_error_middleware_is_missing():
    assert ids(checks.check_api_errors()) == ["chatmon.W009"]


@override_settings(MIDDLEWARE=[*AUTH_STACK[:2], HANDLER, *AUTH_STACK[2:]])
def test_it_warns_when_another_exception_handler_comes_above_the_api_errors():
    messages = checks.check_api_errors()
    assert ids(messages) == ["chatmon.W010"]
    assert HANDLER in messages[0].msg


@override_settings(MIDDLEWARE=["opentelemetry.instrumentation.django.middleware.otel_middleware._DjangoMiddleware",
                               *AUTH_STACK, HANDLER])  # fmt: skip
def test_it_accepts_exception_handlers_below_the_api_errors_and_tracing_above():
    assert ids(checks.check_api_errors()) == []


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
