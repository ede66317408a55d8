"""Health: /healthz (liveness, no dependencies) and /health/ (readiness: database, cache, broker, beat).

/health/ uses django-health-check's view and answers 503 (not its default 500) when any check fails,
so load balancers and Kubernetes read it as "not ready" rather than as a server bug.
"""

from __future__ import annotations

import dataclasses
import datetime

from django.db import DatabaseError
from django.http import HttpResponse
from django.utils import timezone
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView
from kombu.exceptions import OperationalError

from chatmon.core import conf
from chatmon.core.models import JobRun


@dataclasses.dataclass
class CeleryBroker(HealthCheck):
    """The Celery broker accepts a connection (workers need not be running for this to pass)."""

    timeout = datetime.timedelta(seconds=3)

    def run(self) -> None:
        from celery import current_app as app

        try:
            # The URL is read at call time so that override_settings (and a changed setting) is honoured.
            with app.connection_for_write(url=conf.celery_broker_url() or None) as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
        except (OperationalError, OSError) as exc:
            raise ServiceUnavailable(f"broker unreachable ({type(exc).__name__})") from exc


@dataclasses.dataclass
class BeatRecent(HealthCheck):
    """Some periodic job succeeded recently: beat is scheduling and a worker is running them."""

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
    checks = (
        "health_check.checks.Database",
        "health_check.checks.Cache",
        CeleryBroker,
        BeatRecent,
    )

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
