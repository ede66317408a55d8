"""Under gunicorn with several workers, /metrics aggregates every worker's counts (multiprocess mode)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from chatmon.testing.servers import free_port, wait_until_serving
from chatmon.testing.worker import database_url

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def gunicorn(tmp_path, output_dir):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prom"),
        "METRICS_TOKEN": "scrape",
        "WEB_CONCURRENCY": "3",
        "GUNICORN_THREADS": "1",
    }
    log = (output_dir / "gunicorn-multiprocess.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
         "chatmon.wsgi"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    wait_until_serving(base)
    yield base, tmp_path / "prom"
    process.terminate()
    process.wait(timeout=30)
    log.close()


def test_it_sums_requests_across_workers(gunicorn):
    base, prom_dir = gunicorn
    session = requests.Session()
    for _ in range(30):
        # A new connection each time so that the requests spread over the workers.
        assert requests.get(f"{base}/healthz", timeout=5).status_code == 200
    metrics = session.get(f"{base}/metrics", headers={"Authorization": "Bearer scrape"}, timeout=5)
    assert metrics.status_code == 200
    pattern = (
        r'django_http_responses_total_by_status_view_method_total\{method="GET",status="200",view="healthz"\} (\S+)'
    )
    total = float(re.search(pattern, metrics.text).group(1))
    assert total >= 30
    # Scrape-time collectors (values read from the database or Redis when scraped) are there too.
    for name in ("ledger_credits_outstanding", "chatmon_celery_queue_depth"):
        assert f"\n{name}" in metrics.text, name
    # One file set per worker that served requests: more than one worker took part and was aggregated.
    pids = {m.group(1) for f in prom_dir.iterdir() if (m := re.search(r"_(\d+)\.db$", f.name))}
    assert len(pids) >= 2
