"""Process memory and CPU, multiprocess-aware: each process updates its own series from its flusher thread.

prometheus_client's default process collector describes only the process that answers the scrape; under
gunicorn (PROMETHEUS_MULTIPROC_DIR) these series are summed over every live worker instead.
"""

from __future__ import annotations

import os

import psutil

from chatmon.monitoring import metrics

_state: dict = {"pid": None, "process": None, "cpu": 0.0, "kind": "web"}


def set_kind(kind: str) -> None:
    """ "web" (default) or "worker" (set by the Celery signal handlers)."""
    _state["kind"] = kind


def sample() -> None:
    if _state["pid"] != os.getpid():  # first sample, or first after a fork
        _state.update(pid=os.getpid(), process=psutil.Process(), cpu=0.0)
    proc: psutil.Process = _state["process"]
    kind = _state["kind"]
    times = proc.cpu_times()
    cpu = times.user + times.system
    metrics.PROCESS_CPU.labels(kind=kind).inc(max(cpu - _state["cpu"], 0.0))
    _state["cpu"] = cpu
    metrics.PROCESS_MEMORY.labels(kind=kind).set(proc.memory_info().rss)
    metrics.PROCESSES.labels(kind=kind).set(1)
