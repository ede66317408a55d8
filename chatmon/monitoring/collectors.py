"""Values computed when Prometheus scrapes: active users (Redis), Celery queue depths (broker), and the
last success and last outcome of each beat job (database). One read of each source per scrape.

A source that cannot be read leaves its series out of that scrape (Prometheus then shows a gap, and the
`absent()` alerts in deploy/rules fire) instead of failing the whole scrape.
"""

from __future__ import annotations

import logging
import time

from django.db import DatabaseError
from django.db.models import Max
from prometheus_client import REGISTRY
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from chatmon.monitoring import conf, store

log = logging.getLogger(__name__)


class ScrapeCollector(Collector):
    NAMES = ("chatmon_active_users", "chatmon_celery_queue_depth", "chatmon_job_last_success_timestamp_seconds",
             "chatmon_job_last_run_failed")  # fmt: skip

    def describe(self):
        # Registration asks for the names; without describe() it would call collect() and read Redis and the
        # database while the app is still starting.
        return [GaugeMetricFamily(name, name) for name in self.NAMES]

    def collect(self):
        yield from _active_users()
        yield from queue_depths()
        yield from _jobs()


_registered: list[ScrapeCollector] = []


def register() -> None:
    """Add the scrape-time values to the default registry, once per process.

    In multiprocess mode /metrics renders a fresh registry per scrape and adds this collector to it too
    (MonitoringConfig.scrape_collectors, see docs/monitoring.md).
    """
    if not _registered:
        _registered.append(ScrapeCollector())
        REGISTRY.register(_registered[0])


def registered() -> list[ScrapeCollector]:
    """The collector register() added in this process (none before the monitoring middleware starts)."""
    return list(_registered)


def _active_users():
    minutes = conf.active_users_minutes()
    try:
        count = store.active_users(store.client(), now=time.time(), minutes=minutes)
    except Exception as exc:
        log.warning("active users unavailable: %s", exc)
        return
    yield GaugeMetricFamily(
        "chatmon_active_users", f"Distinct signed-in users in the last {minutes} minutes (HyperLogLog).", value=count
    )


def queue_depths():
    # The process's current Celery app: chatmon's own project or the chat app's project that installs chatmon
    # (importing chatmon.celery here would create chatmon's app inside someone else's project).
    from celery import current_app as app

    family = GaugeMetricFamily("chatmon_celery_queue_depth", "Messages waiting in a Celery queue.", labels=["queue"])
    try:
        with app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            for queue in conf.celery_queues():
                family.add_metric([queue], _depth(conn, queue))
    except Exception as exc:  # broker down: omit the series, keep the scrape
        log.warning("queue depth unavailable: %s", exc)
        return
    yield family


def _depth(conn, queue: str) -> int:
    # A passive declare reads the depth on Redis and RabbitMQ alike without creating the queue. A queue
    # that does not exist yet (no worker declared it, nothing was ever sent to it) holds nothing.
    with conn.channel() as channel:
        try:
            return channel.queue_declare(queue=queue, passive=True).message_count
        except conn.channel_errors:
            return 0


def _jobs():
    from chatmon.core.beat import declared_schedule
    from chatmon.core.models import JobRun

    last_success = GaugeMetricFamily(
        "chatmon_job_last_success_timestamp_seconds", "When each beat job last succeeded (Unix time).", labels=["job"]
    )
    last_failed = GaugeMetricFamily(
        "chatmon_job_last_run_failed", "1 when the latest finished run of a beat job failed, else 0.", labels=["job"]
    )
    jobs = sorted(declared_schedule())
    try:
        successes = dict(
            JobRun.objects.filter(task__in=jobs, status=JobRun.Status.SUCCESS)
            .values("task")
            .annotate(last=Max("finished_at"))
            .values_list("task", "last")
        )
        latest = _latest_outcomes(jobs)
    except DatabaseError as exc:
        log.warning("job runs unavailable: %s", exc)
        return
    for job in jobs:
        if successes.get(job):
            last_success.add_metric([job], successes[job].timestamp())
        if job in latest:
            last_failed.add_metric([job], float(latest[job] == JobRun.Status.FAILURE))
    yield last_success
    yield last_failed


def _latest_outcomes(jobs: list[str]) -> dict[str, str]:
    from chatmon.core.models import JobRun

    finished = JobRun.objects.exclude(status=JobRun.Status.RUNNING)
    return {
        job: status
        for job in jobs
        if (status := finished.filter(task=job).values_list("status", flat=True).first()) is not None
    }
