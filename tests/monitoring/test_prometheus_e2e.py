"""End to end: a real Prometheus server on loopback scrapes a live chatmon and answers request-rate queries."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from chatmon.testing.servers import free_port
from tests.conftest import require

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
TOKEN = "e2e-scrape-token"
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

CONFIG = """
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - {rules}
scrape_configs:
  - job_name: chatmon
    authorization:
      type: Bearer
      credentials: {token}
    static_configs:
      - targets: ["{target}"]
"""


@pytest.fixture
def prometheus(transactional_db, live_server, settings, tmp_path, output_dir):
    binary = shutil.which("prometheus")
    require(binary is not None, "prometheus not found (apt-get install prometheus)")
    settings.METRICS_TOKEN = TOKEN
    config = tmp_path / "prometheus.yml"
    rules = DEPLOY / "rules" / "chatmon.yml"
    config.write_text(CONFIG.format(rules=rules, token=TOKEN, target=urlsplit(live_server.url).netloc))
    port = free_port()
    with (output_dir / "prometheus-e2e.log").open("w") as log:
        process = subprocess.Popen(
            [binary, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'data'}",
             f"--web.listen-address=127.0.0.1:{port}"],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=20)


def query(prometheus: str, expr: str) -> float | None:
    response = requests.get(f"{prometheus}/api/v1/query", params={"query": expr}, timeout=5)
    result = response.json()["data"]["result"]
    return float(result[0]["value"][1]) if result else None


def test_it_answers_a_request_rate_query_about_live_traffic(prometheus, live_server):
    expr = 'sum(rate(chatmon_http_requests_total{route="healthz"}[5s]))'
    rate = recorded = None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not (rate and rate > 1 and recorded):
        for _ in range(20):
            requests.get(f"{live_server.url}/healthz", timeout=5)
        time.sleep(0.5)
        try:
            rate = query(prometheus, expr)
            recorded = query(prometheus, "chatmon:http_requests:rate5m")
        except requests.ConnectionError:
            continue  # Prometheus is still starting
    assert rate and rate > 1
    assert recorded and recorded > 0  # the recording rule over the same series (5m window, few seconds of data)
