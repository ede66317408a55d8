"""Each process's daemon thread writes its batched request and generation metrics (and the ledger's spend
counts, which wait for it once it runs) about once a second and sends its rollup buffer to Redis every few
seconds; both happen once more at exit.

`flush()` is also the public hook for a worker's shutdown (deploy/gunicorn.conf.py `worker_exit`, Celery's
`worker_process_shutdown`) and for tests. A failed flush puts the batch back, so a short Redis outage delays
rollups instead of losing them; a long one drops the oldest minutes (counted in seconds in
chatmon_monitoring_dropped_seconds_total) to keep memory bounded.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time

import redis

from chatmon.monitoring import conf, metrics, process, store
from chatmon.monitoring.aggregator import buffer
from chatmon.monitoring.batched import generation_metrics, request_metrics, sync_all
from ledger.metrics import spend_counts

log = logging.getLogger(__name__)

_lock = threading.Lock()
_started_in: int | None = None  # pid of the process whose flusher thread is running
_flush_lock = threading.Lock()


def ensure_started() -> None:
    """Start this process's flusher thread once (again after a fork: threads do not survive it)."""
    global _started_in
    # Called on every request: no getpid() system call on the way, the fork hook below forgets the parent's.
    if _started_in is not None:
        return
    with _lock:
        if _started_in == os.getpid():
            return
        threading.Thread(target=_run, name="chatmon-monitoring-flush", daemon=True).start()
        _started_in = os.getpid()
        spend_counts.keep()  # the ledger's spend counts wait for this thread's syncs too (sync_all)


def flush() -> bool:
    """Write the batched metrics and send the buffered rollups; False (the batch kept for the next try) if
    Redis failed."""
    sync_all()
    with _flush_lock:  # the thread and an exit hook never send the same batch twice or out of order
        batch = buffer.drain()
        if not batch:
            return True
        try:
            store.flush(batch)
        except (redis.RedisError, OSError) as exc:
            dropped = buffer.restore(batch, max_minutes=conf.buffer_max_minutes())
            metrics.FLUSHES.labels(outcome="error").inc()
            metrics.DROPPED_SECONDS.inc(dropped * 60)  # whole minutes, counted in seconds
            log.warning("monitoring flush failed, kept for the next try: %s", exc)
            return False
    metrics.FLUSHES.labels(outcome="ok").inc()
    return True


def _run() -> None:
    flushed_at = time.monotonic()
    while True:
        threading.Event().wait(min(conf.metrics_sync_seconds(), conf.flush_seconds()))
        try:
            if time.monotonic() - flushed_at >= conf.flush_seconds():
                flushed_at = time.monotonic()
                flush()  # metrics and rollups
                process.sample()
            else:
                sync_all()
        except Exception:  # the thread must outlive any bug in one round, or monitoring stops silently
            log.exception("monitoring flush round failed")


def _flush_at_exit() -> None:
    try:
        flush()
    except Exception:
        log.exception("monitoring flush at exit failed")


def _after_fork_in_child() -> None:
    # The parent's unsent rollups are the parent's to send; the child starts empty, with no flusher thread yet.
    # Locks are made anew: another thread may have held one at the moment of the fork.
    global _started_in, _lock, _flush_lock
    buffer.__init__()
    request_metrics.reset_after_fork()
    generation_metrics.reset_after_fork()
    _lock, _flush_lock = threading.Lock(), threading.Lock()
    _started_in = None


atexit.register(_flush_at_exit)
os.register_at_fork(after_in_child=_after_fork_in_child)
