"""A gunicorn worker's buffered rollups reach Redis when it stops: nothing is lost across restarts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import requests

from chatmon.monitoring.compaction import compact
from chatmon.monitoring.models import RequestRollup
from chatmon.testing.servers import free_port, wait_until_serving
from chatmon.testing.worker import database_url

ROOT = Path(__file__).resolve().parents[2]
ROUTE = "monitoring/track.js"
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def workers(master: subprocess.Popen) -> list[psutil.Process]:
    return psutil.Process(master.pid).children()


def hit(base: str, n: int) -> None:
    for _ in range(n):
        assert requests.get(f"{base}/{ROUTE}", timeout=5).status_code == 200


def test_it_flushes_on_worker_restart_and_shutdown(tmp_path, output_dir):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "2",
        "CHATMON_MONITORING_FLUSH_SECONDS": "3600",
    }  # fmt: skip  (only the exit flush can send anything)
    with (output_dir / "gunicorn-monitoring.log").open("w") as log:
        master = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
             "chatmon.wsgi"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_serving(base)
            hit(base, 30)
            first = workers(master)
            for worker in first:  # the arbiter replaces each one, as on a deploy or max_requests
                worker.send_signal(signal.SIGTERM)
            psutil.wait_procs(first, timeout=30)
            wait_until_serving(base)
            hit(base, 20)
        finally:
            master.send_signal(signal.SIGTERM)
            master.wait(timeout=30)

    compact(now=time.time() + 60)
    assert sum(RequestRollup.objects.filter(route=ROUTE).values_list("count", flat=True)) == 50
