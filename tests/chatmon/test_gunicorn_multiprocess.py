"""Under gunicorn with several workers, /metrics aggregates every worker's counts (multiprocess mode)."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest
import requests
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector

from chatmon.testing import servers
from chatmon.testing.worker import database_url

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def start_gunicorn(tmp_path: Path, log, name: str = "prom") -> tuple[str, subprocess.Popen]:
    server = servers.start_gunicorn(
        log,
        database_url=database_url(),
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / name),
        METRICS_TOKEN="scrape",
        WEB_CONCURRENCY="3",
        GUNICORN_THREADS="1",
        CHATMON_MONITORING_METRICS_SYNC_SECONDS="1",  # as in production: the workers' threads write them
        # Where gunicorn's per-user files (its control socket) would go, shared by every stack of this test.
        HOME=str(tmp_path / "home"),
        XDG_RUNTIME_DIR=str(tmp_path / "home"),
    )
    return server.base, server.process


@pytest.fixture
def gunicorn(tmp_path, output_dir):
    (tmp_path / "home").mkdir()
    log = (output_dir / "gunicorn-multiprocess.log").open("w")
    base, process = start_gunicorn(tmp_path, log)
    yield base, tmp_path / "prom", process
    process.terminate()
    process.wait(timeout=30)
    log.close()


HEALTHZ_2XX = r'chatmon_http_requests_total\{method="GET",route="healthz",status_class="2xx"\} (\S+)'


def scrape(session: requests.Session, base: str) -> tuple[str, float]:
    metrics = session.get(f"{base}/metrics", headers={"Authorization": "Bearer scrape"}, timeout=5)
    assert metrics.status_code == 200
    found = re.search(HEALTHZ_2XX, metrics.text)
    return metrics.text, float(found.group(1)) if found else 0.0


def test_it_sums_requests_across_workers(gunicorn):
    base, prom_dir, _ = gunicorn
    session = requests.Session()
    time.sleep(1.5)  # every worker has written its start-up probes (a sync interval is 1 s here)
    _, before = scrape(session, base)
    for _ in range(30):
        # A new connection each time so that the requests spread over the workers.
        assert requests.get(f"{base}/healthz", timeout=5).status_code == 200
    # Each worker writes its batched request metrics within a sync interval; nothing is lost or counted twice.
    deadline = time.monotonic() + 10
    text, total = scrape(session, base)
    while total < before + 30 and time.monotonic() < deadline:
        time.sleep(0.2)
        text, total = scrape(session, base)
    assert total == before + 30
    # Scrape-time collectors (values read from the database or Redis when scraped) are there too.
    for name in ("ledger_credits_outstanding", "chatmon_celery_queue_depth"):
        assert f"\n{name}" in text, name
    # One file set per worker that served requests: more than one worker took part and was aggregated.
    pids = {m.group(1) for f in prom_dir.iterdir() if (m := re.search(r"_(\d+)\.db$", f.name))}
    assert len(pids) >= 2


def test_it_writes_each_workers_last_requests_when_it_stops(gunicorn):
    base, prom_dir, process = gunicorn
    session = requests.Session()
    time.sleep(1.5)
    _, before = scrape(session, base)
    for _ in range(20):
        assert requests.get(f"{base}/healthz", timeout=5).status_code == 200
    process.terminate()  # at once: the workers' batched metrics are written by their exit hooks, not the thread
    assert process.wait(timeout=30) == 0
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(prom_dir))
    labels = {"route": "healthz", "method": "GET", "status_class": "2xx"}
    assert registry.get_sample_value("chatmon_http_requests_total", labels) == before + 20


def test_two_stacks_run_side_by_side_on_one_machine(gunicorn, tmp_path, output_dir):
    base, _, _ = gunicorn
    with (output_dir / "gunicorn-second-stack.log").open("w") as log:
        second, process = start_gunicorn(tmp_path, log, name="prom-second")
        try:
            for url in (base, second):
                assert requests.get(f"{url}/healthz", timeout=5).status_code == 200
            # No per-user control socket for the stacks to take from each other (deploy/gunicorn.conf.py).
            assert list((tmp_path / "home").rglob("*.ctl")) == []
        finally:
            process.terminate()
            process.wait(timeout=30)
        assert requests.get(f"{base}/healthz", timeout=5).status_code == 200
