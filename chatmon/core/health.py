"""Health: /healthz (liveness, no dependencies) and /health/ (readiness: database, cache, broker, beat).

/health/ uses django-health-check's view and answers 503 (not its default 500) when any check fails,
so load balancers and Kubernetes read it as "not ready" rather than as a server bug. Every Accept header gets
200 or 503: one the library cannot serve (its 406) gets JSON, and checks are named "database", "cache",
"broker" and "beat" rather than by their Python repr.
"""

from __future__ import annotations

import dataclasses
import datetime

from django.db import DatabaseError
from django.http import HttpResponse
from django.utils import timezone
from health_check import checks
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView, MediaType
from kombu.exceptions import OperationalError

from chatmon.core import conf
from chatmon.core.models import JobRun

# Each check's repr is its name in /health/'s JSON, text and HTML, on the dashboards and in the alert rules:
# a probe's config and an operator read these, so they are short words rather than the library's reprs
# ("Database(alias='default')"), and stay the same whatever the library's become.


class Database(checks.Database):
    def __repr__(self) -> str:
        return "database"


class Cache(checks.Cache):
    def __repr__(self) -> str:
        return "cache"


@dataclasses.dataclass(repr=False)
class CeleryBroker(HealthCheck):
    """The Celery broker accepts a connection (workers need not be running for this to pass)."""

    timeout = datetime.timedelta(seconds=3)

    def __repr__(self) -> str:
        return "broker"

    def run(self) -> None:
        from celery import current_app as app

        try:
            # The URL is read at call time so that override_settings (and a changed setting) is honoured.
            with app.connection_for_write(url=conf.celery_broker_url() or None) as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
        except (OperationalError, OSError) as exc:
            raise ServiceUnavailable(f"broker unreachable ({type(exc).__name__})") from exc


@dataclasses.dataclass(repr=False)
class BeatRecent(HealthCheck):
    """Some periodic job succeeded recently: beat is scheduling and a worker is running them."""

    def __repr__(self) -> str:
        return "beat"

    def run(self) -> None:
        max_age = conf.beat_max_age_seconds()
        try:
            last = (
                JobRun.objects.filter(status=JobRun.Status.SUCCESS)
                .order_by("-finished_at")
                .values_list("finished_at", flat=True)
                .first()
            )
        except DatabaseError as exc:
            raise ServiceUnavailable("cannot read job runs") from exc
        if last is None:
            raise ServiceUnavailable("no periodic job has run yet")
        age = (timezone.now() - last).total_seconds()
        if age > max_age:
            raise ServiceUnavailable(f"last periodic job finished {age:.0f}s ago (limit {max_age}s)")


class ReadinessView(HealthCheckView):
    checks = (Database, Cache, CeleryBroker, BeatRecent)

    async def get(self, request, *args, **kwargs):
        # A probe with an odd Accept header must still read ready or not ready: one the library cannot parse
        # (its ValueError is a 500) or cannot serve (its 406) gets JSON.
        try:
            list(MediaType.parse_header(request.headers.get("accept", "*/*")))
        except ValueError:
            request.GET = request.GET.copy()
            request.GET["format"] = "json"
        response = await super().get(request, *args, **kwargs)
        if response.status_code == 406:
            return self.render_to_response_json(500 if any(r.error for r in self.results) else 200)
        return response

    def render_to_response(self, context, **kwargs):
        return self._as_503(super().render_to_response(context, **kwargs))

    def render_to_response_json(self, status):
        return self._as_503(super().render_to_response_json(status))

    def render_to_response_text(self, status):
        return self._as_503(super().render_to_response_text(status))

    @staticmethod
    def _as_503(response):
        if response.status_code == 500:
            response.status_code = 503
        return response


def liveness(request) -> HttpResponse:
    """The process is up and serving; no dependency is touched."""
    return HttpResponse("ok\n", content_type="text/plain")
