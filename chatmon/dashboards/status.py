"""Live status read by the Overview, the Performance page and the alert rules: beat jobs, health checks,
queue depths, cache hit rate and slow queries. Each is small by nature (one row per job, check or queue)."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass

from django.db.models import Count, Max, Q
from django.utils import timezone
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector

from chatmon.core.beat import declared_schedule
from chatmon.core.models import JobRun
from chatmon.logging.metrics import SLOW_QUERIES


@dataclass
class JobHealth:
    job: str
    last_success: object
    latest_status: str
    failures: int

    @property
    def age_minutes(self) -> float | None:
        if self.last_success is None:
            return None
        return (timezone.now() - self.last_success).total_seconds() / 60


def job_health(since, until=None) -> list[JobHealth]:
    """Each declared beat job: last success, status of its latest run, failures since `since` (and before
    `until` when given: a past window's)."""
    failed = Q(status=JobRun.Status.FAILURE, started_at__gte=since)
    if until is not None:
        failed &= Q(started_at__lt=until)
    jobs = sorted(declared_schedule())
    stats = {
        row["task"]: row
        for row in JobRun.objects.filter(task__in=jobs)
        .values("task")
        .annotate(
            last=Max("finished_at", filter=Q(status=JobRun.Status.SUCCESS)),
            failures=Count("pk", filter=failed),
        )
    }
    latest = _latest_finished(jobs)
    return [
        JobHealth(
            job, stats.get(job, {}).get("last"), latest.get(job, "never run"), stats.get(job, {}).get("failures", 0)
        )
        for job in jobs
    ]


def _latest_finished(jobs: list[str]) -> dict[str, str]:
    # One indexed query per job (task, -started_at): a handful of jobs, each reading one row.
    finished = JobRun.objects.exclude(status=JobRun.Status.RUNNING).order_by("-started_at")
    return {
        job: status for job in jobs if (status := finished.filter(task=job).values_list("status", flat=True).first())
    }


def service_health() -> list[tuple[str, str]]:
    """Run /health/'s checks (database, cache, broker, beat) and give (check, "ok" or the error) each."""
    from chatmon.core.health import ReadinessView

    async def run_all():
        return await asyncio.gather(*(check.get_result() for check in ReadinessView().get_checks()))

    return [(repr(result.check), str(result.error) if result.error else "ok") for result in asyncio.run(run_all())]


def queue_depths() -> list[tuple[str, int | None]]:
    from chatmon.monitoring.collectors import queue_depths

    depths = {queue: None for queue in _queue_names()}
    for family in queue_depths():
        depths.update({sample.labels["queue"]: int(sample.value) for sample in family.samples})
    return sorted(depths.items())


def _queue_names() -> list[str]:
    from chatmon.monitoring import conf

    return conf.celery_queues()


def cache_hit_rate() -> tuple[int, int] | None:
    """The Redis/Valkey server's keyspace hits and misses since it started; None when unreachable."""
    from chatmon.monitoring import store

    try:
        info = store.client().info("stats")
    except Exception:
        return None
    return int(info.get("keyspace_hits", 0)), int(info.get("keyspace_misses", 0))


def slow_queries() -> list[tuple[str, str, float]]:
    """chatmon_slow_queries_total per database and source since the web processes started: summed over
    gunicorn's workers in multiprocess mode, else this process's own counter."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        families = MultiProcessCollector(CollectorRegistry()).collect()
    else:
        families = SLOW_QUERIES.collect()
    rows = [
        (sample.labels["database"], sample.labels["source"], sample.value)
        for family in families
        if family.name == "chatmon_slow_queries"
        for sample in family.samples
        if sample.name.endswith("_total")
    ]
    return sorted(rows, key=lambda row: row[2], reverse=True)
