"""A gunicorn worker's buffered rollups reach Redis when it stops: nothing is lost across restarts."""

from __future__ import annotations

import signal
import subprocess
import time

import psutil
import pytest
import requests

from chatmon.monitoring.compaction import compact
from chatmon.monitoring.models import RequestRollup
from chatmon.testing.servers import start_gunicorn, wait_until_serving
from chatmon.testing.worker import database_url

ROUTE = "monitoring/track.js"
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def workers(master: subprocess.Popen) -> list[psutil.Process]:
    return psutil.Process(master.pid).children()


def hit(base: str, n: int) -> None:
    for _ in range(n):
        assert requests.get(f"{base}/{ROUTE}", timeout=5).status_code == 200


def test_it_flushes_on_worker_restart_and_shutdown(tmp_path, output_dir):
    with (output_dir / "gunicorn-monitoring.log").open("w") as log:
        server = start_gunicorn(
            log,
            database_url=database_url(),
            WEB_CONCURRENCY="2",
            GUNICORN_THREADS="2",
            CHATMON_MONITORING_FLUSH_SECONDS="3600",  # only the exit flush can send anything
        )
        try:
            hit(server.base, 30)
            first = workers(server.process)
            for worker in first:  # the arbiter replaces each one, as on a deploy or max_requests
                worker.send_signal(signal.SIGTERM)
            psutil.wait_procs(first, timeout=30)
            wait_until_serving(server.base)
            hit(server.base, 20)
        finally:
            server.stop(timeout=30)

    compact(now=time.time() + 60)
    assert sum(RequestRollup.objects.filter(route=ROUTE).values_list("count", flat=True)) == 50
