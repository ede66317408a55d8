"""gunicorn configuration for chatmon (used by `make run` and in production).

Prometheus multiprocess mode: with PROMETHEUS_MULTIPROC_DIR set, every worker writes its metrics to files
there and /metrics aggregates them. Files of a previous run are removed at start (unless the supervisor
already did, see chatmon.devstack), and a dead worker's live gauges are dropped when it exits.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatmon.settings")

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# In-flight requests (a streaming reply) get this long to finish on SIGTERM.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
accesslog = None  # chatmon logs requests itself (level HTTP), with redaction
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn 27's control socket (for gunicornc) defaults to ~/.gunicorn/gunicorn.ctl: one path per user, so two
# stacks on one machine (a dev server beside the tests, two checkouts) take over each other's socket. chatmon
# never uses it, so it is off; GUNICORN_CONTROL_SOCKET names a path (e.g. under var/) to switch it on.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket


def on_starting(server) -> None:
    multiproc = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if multiproc and not os.environ.get("CHATMON_MULTIPROC_PREPARED"):
        shutil.rmtree(multiproc, ignore_errors=True)
        Path(multiproc).mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    from chatmon.core.redis import require_redis

    require_redis()


def child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def worker_exit(server, worker) -> None:
    # Send the worker's last buffered request rollups before it goes (restart, scale down, shutdown).
    from chatmon.monitoring.flusher import flush

    flush()


def on_exit(server) -> None:
    # SIGTERM: gunicorn stops accepting, lets in-flight requests finish (graceful_timeout), then exits 0.
    import logging

    logging.getLogger("chatmon.process").info("gunicorn stopped: in-flight requests finished, exiting")
