"""Celery task metrics (runs, failures, retries and durations by task name) and the worker's metrics port.

Connected when the monitoring app is ready (in every process that loads Django). A worker runs on its own,
often on another machine, so it serves its own metrics on CHATMON_WORKER_METRICS_PORT (summing its pool processes when
PROMETHEUS_MULTIPROC_DIR is set); Prometheus scrapes it as a second job (deploy/prometheus.yml).
"""

from __future__ import annotations

import os
import time

from celery.signals import (
    task_failure,
    task_postrun,
    task_prerun,
    task_retry,
    worker_init,
    worker_process_shutdown,
    worker_ready,
)

from chatmon.monitoring import flusher, metrics, process

_started: dict[str, float] = {}  # task id -> perf_counter at prerun


@task_prerun.connect
def _on_prerun(task_id: str | None = None, **_kwargs) -> None:
    if task_id:
        _started[task_id] = time.perf_counter()


@task_postrun.connect
def _on_postrun(task_id: str | None = None, task=None, state: str | None = None, **_kwargs) -> None:
    started = _started.pop(task_id, None) if task_id else None
    name = getattr(task, "name", "unknown")
    if started is not None:
        metrics.TASK_DURATION.labels(task=name).observe(time.perf_counter() - started)
    if state == "SUCCESS":
        metrics.TASK_RUNS.labels(task=name, outcome="success").inc()
    process.sample()


@task_failure.connect
def _on_failure(sender=None, **_kwargs) -> None:
    metrics.TASK_RUNS.labels(task=getattr(sender, "name", "unknown"), outcome="failure").inc()


@task_retry.connect
def _on_retry(sender=None, **_kwargs) -> None:
    metrics.TASK_RUNS.labels(task=getattr(sender, "name", "unknown"), outcome="retry").inc()


@worker_init.connect
def _label_worker_process(**_kwargs) -> None:
    # Before the pool forks, so pool processes inherit the label.
    process.set_kind("worker")


@worker_ready.connect
def _serve_worker_metrics(**_kwargs) -> None:
    process.sample()
    port = int(os.environ.get("CHATMON_WORKER_METRICS_PORT", "0") or 0)
    if not port:
        return
    from prometheus_client import REGISTRY, CollectorRegistry, multiprocess, start_http_server

    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    start_http_server(port, addr=os.environ.get("CHATMON_WORKER_METRICS_ADDR", "127.0.0.1"), registry=registry)


@worker_process_shutdown.connect
def _flush_on_pool_exit(**_kwargs) -> None:
    # Prefork pool processes leave through os._exit, which skips atexit: send their rollups now.
    flusher.flush()
