"""`promtool check metrics` on /metrics: chatmon's own metric names and help follow Prometheus' conventions."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import redis
from prometheus_client import REGISTRY

from chatmon.monitoring import flusher, store
from chatmon.monitoring.aggregator import buffer
from tests.conftest import require

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.monitoring.urls")]

# Metrics owned by libraries we use (django-prometheus, prometheus_client): their names are not ours to change.
# promtool's findings on them, as of this writing: none. Findings are filtered to chatmon's own families.
OURS = ("chatmon_", "ledger_", "violations_", "auditlog_")


def promtool_findings(text: str) -> list[str]:
    promtool = shutil.which("promtool")
    require(promtool is not None, "promtool not installed (apt-get install prometheus)")
    result = subprocess.run(
        [promtool, "check", "metrics"], input=text, capture_output=True, text=True, timeout=60, check=False
    )
    # Exit 0: clean; 3: lint findings (one a line, "<metric> <problem>"); anything else: promtool failed.
    assert result.returncode in (0, 3), result.stderr
    return [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]


def test_it_passes_promtool_check_metrics(client, scrape):
    client.get("/t/items/41")
    client.get("/t/boom")
    b"".join(client.get("/t/stream").streaming_content)
    findings = promtool_findings(scrape())
    assert [line for line in findings if line.startswith(OURS)] == []


def test_it_counts_dropped_rollups_in_seconds(settings, monkeypatch):
    def unreachable(batch) -> None:
        raise redis.ConnectionError("Redis is down")

    settings.MONITORING_BUFFER_MAX_MINUTES = 1
    monkeypatch.setattr(store, "flush", unreachable)
    for minute in (0, 1, 2):  # three minutes buffered, one kept: two dropped
        buffer.record_request(now=1_800_000_000 + 60 * minute, route="r", method="GET", status=200,
                              duration_s=0.01, stream=None)  # fmt: skip
    before = REGISTRY.get_sample_value("chatmon_monitoring_dropped_seconds_total") or 0
    assert flusher.flush() is False
    assert REGISTRY.get_sample_value("chatmon_monitoring_dropped_seconds_total") - before == 120
