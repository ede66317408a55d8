"""System checks with stable ids (chatmon.W001...); `manage.py check` and every startup run them."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.utils.module_loading import import_string

from chatmon.core import conf

PROMETHEUS_BEFORE = "django_prometheus.middleware.PrometheusBeforeMiddleware"
PROMETHEUS_AFTER = "django_prometheus.middleware.PrometheusAfterMiddleware"
REQUEST_CONTEXT = "chatmon.core.middleware.RequestContextMiddleware"
MONITORING = "chatmon.monitoring.middleware.MonitoringMiddleware"
REQUIRED_MIDDLEWARE = (REQUEST_CONTEXT, MONITORING)
AUTHENTICATION = "django.contrib.auth.middleware.AuthenticationMiddleware"
ANONYMOUS_CALLER = "chatmon.core.middleware.AnonymousCallerMiddleware"
API_ERRORS = "chatmon.core.middleware.ApiErrorMiddleware"


def _middleware() -> list[str]:
    # With tracing on, OpenTelemetry puts its own middleware first (chatmon.logging.tracing): not a misorder.
    return [name for name in settings.MIDDLEWARE if not name.startswith("opentelemetry.")]


@register(Tags.compatibility)
def check_middleware(app_configs=None, **kwargs) -> list[Warning]:
    middleware = _middleware()
    missing = [name for name in REQUIRED_MIDDLEWARE if name not in middleware]
    if missing:
        return [
            Warning(
                f"{name} is not in MIDDLEWARE.",
                hint="Add it: chatmon cannot time requests or tag logs with a request id without it.",
                id="chatmon.W001",
            )
            for name in missing
        ]
    # django-prometheus' own request metrics are optional (they cost about as much as Django's default stack
    # under gunicorn, see docs/monitoring.md); when present, its pair must wrap everything to time it.
    with_prometheus = PROMETHEUS_BEFORE in middleware or PROMETHEUS_AFTER in middleware
    if with_prometheus and (middleware[0] != PROMETHEUS_BEFORE or middleware[-1] != PROMETHEUS_AFTER):
        return [
            Warning(
                "The Prometheus middleware pair does not wrap the whole MIDDLEWARE list.",
                hint=f"Put {PROMETHEUS_BEFORE} first and {PROMETHEUS_AFTER} last, or remove both.",
                id="chatmon.W002",
            )
        ]
    first = 1 if with_prometheus else 0
    if middleware[first : first + 2] != [REQUEST_CONTEXT, MONITORING]:
        return [
            Warning(
                f"{REQUEST_CONTEXT} should come first, then {MONITORING}.",
                hint="Middleware above them logs without a request id and is left out of the request timings.",
                id="chatmon.W002",
            )
        ]
    return []


@register(Tags.compatibility)
def check_anonymous_caller(app_configs=None, **kwargs) -> list[Warning]:
    """The entry after AuthenticationMiddleware must settle cookie-less callers before anything reads the user."""
    middleware = _middleware()
    if AUTHENTICATION not in middleware:
        return []  # no lazy session user to settle
    after = middleware.index(AUTHENTICATION) + 1
    if middleware[after : after + 1] != [ANONYMOUS_CALLER]:
        return [
            Warning(
                f"{ANONYMOUS_CALLER} should come right after {AUTHENTICATION}.",
                hint="Otherwise the first look at request.user reads the session of a caller without one, and "
                "the response varies on Cookie for nothing.",
                id="chatmon.W008",
            )
        ]
    return []


def _handles_exceptions(name: str) -> bool:
    try:
        return hasattr(import_string(name), "process_exception")
    except ImportError:
        return False  # Django itself reports a middleware it cannot import


@register(Tags.compatibility)
def check_api_errors(app_configs=None, **kwargs) -> list[Warning]:
    middleware = _middleware()
    if API_ERRORS not in middleware:
        return [
            Warning(
                f"{API_ERRORS} is not in MIDDLEWARE.",
                hint="Add it after the request context: a view's exception on an API route then gets LibreChat's "
                "JSON error instead of Django's HTML page.",
                id="chatmon.W009",
            )
        ]
    # Django offers a view's exception to process_exception from the bottom of MIDDLEWARE up, and stops at the
    # first response: above every other handler, ours is the last resort and pre-empts none of them.
    above = [name for name in middleware[: middleware.index(API_ERRORS)] if _handles_exceptions(name)]
    if above:
        return [
            Warning(
                f"{API_ERRORS} comes after {', '.join(above)}, which also handle view exceptions.",
                hint=f"Move it above them (right after {MONITORING}): it answers every API route's exception, "
                "and Django then offers the exception to no handler above it.",
                id="chatmon.W010",
            )
        ]
    return []


@register(Tags.compatibility)
def check_broker(app_configs=None, **kwargs) -> list[Warning]:
    if not conf.celery_broker_url():
        return [
            Warning(
                "No Celery broker is configured.",
                hint="Set REDIS_URL (or CELERY_BROKER_URL): auto-refill, rollups and alerts run as Celery jobs.",
                id="chatmon.W003",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_production_defaults(app_configs=None, **kwargs) -> list[Warning]:
    """Laptop defaults that must not reach production (run by `check --deploy`)."""
    warnings = []
    db_engine = settings.DATABASES["default"]["ENGINE"]
    if db_engine.endswith("sqlite3"):
        warnings.append(
            Warning(
                "The database is SQLite.",
                hint="Set DATABASE_URL to PostgreSQL for production: SQLite serialises every writer.",
                id="chatmon.W004",
            )
        )
    if conf.embedded_valkey():
        warnings.append(
            Warning(
                "REDIS_URL is unset, so chatmon expects the embedded Valkey.",
                hint="Set REDIS_URL to a managed Redis for production.",
                id="chatmon.W005",
            )
        )
    if not conf.metrics_token() and not conf.metrics_allowed_ips():
        warnings.append(
            Warning(
                "/metrics has neither METRICS_TOKEN nor METRICS_ALLOWED_IPS.",
                hint="Set one, or Prometheus cannot scrape (only loopback in DEBUG may).",
                id="chatmon.W006",
            )
        )
    return warnings


@register(Tags.security)
def check_metrics_allowlist(app_configs=None, **kwargs) -> list[Warning]:
    bad = []
    for network in conf.metrics_allowed_ips():
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            bad.append(network)
    if bad:
        return [
            Warning(
                f"METRICS_ALLOWED_IPS has entries that are not addresses or CIDRs: {', '.join(bad)}.",
                hint="Use forms like 10.0.0.0/8 or 192.0.2.7.",
                id="chatmon.W007",
            )
        ]
    return []
