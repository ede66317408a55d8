"""Every metric the Grafana dashboard queries is really exported by /metrics after some traffic
(recording-rule names are resolved to the metrics their rules read)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from chatmon.core import tasks
from chatmon.core.models import JobRun
from chatmon.monitoring import flusher, process
from chatmon.monitoring.events import record_feature_event
from chatmon.monitoring.generations import GenerationReport, record_generation

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.monitoring.urls")]


def recording_rules() -> dict[str, str]:
    rules = {}
    for path in (DEPLOY / "rules").glob("*.yml"):
        for group in yaml.safe_load(path.read_text())["groups"]:
            rules.update({rule["record"]: rule["expr"] for rule in group["rules"] if "record" in rule})
    return rules


def metric_names(expr: str, rules: dict[str, str]) -> set[str]:
    """The chatmon metric names an expression reads, following recording rules to their sources."""
    names = set()
    for name in NAME.findall(re.sub(r'"[^"]*"', "", expr)):
        if name in rules:
            names |= metric_names(rules[name], rules)
        elif name.startswith("chatmon_"):
            names.add(name)
    return names


def dashboard_exprs() -> list[str]:
    dashboard = json.loads((DEPLOY / "grafana" / "chatmon-dashboard.json").read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]


def generate_traffic(client, member) -> None:
    client.force_login(member)
    client.get("/t/items/1")
    b"".join(client.get("/t/stream").streaming_content)
    response = client.get("/t/stream")
    next(iter(response.streaming_content))
    response.close()  # a disconnect
    record_feature_event("conversation.shared")
    tasks.prune_job_runs.apply(kwargs={"days": 30})
    JobRun.objects.create(task="chatmon.beat_heartbeat", status="success", finished_at=timezone.now())
    record_generation(GenerationReport(model="gpt-4o", provider="openAI", outcome="ok", ttft_ms=300.0,
                                       duration_ms=1200.0, prompt_tokens=10, completion_tokens=20))  # fmt: skip
    process.sample()
    flusher.flush()


def test_it_queries_only_metrics_that_are_exported(client, member, scrape):
    generate_traffic(client, member)
    exported = {sample.name for family in text_string_to_metric_families(scrape()) for sample in family.samples}
    rules = recording_rules()
    queried = set().union(*(metric_names(expr, rules) for expr in dashboard_exprs()))

    assert len(queried) >= 10
    assert queried - exported == set()


def test_it_resolves_recording_rules_the_dashboard_uses():
    rules = recording_rules()
    used = {name for expr in dashboard_exprs() for name in NAME.findall(expr) if ":" in name}
    assert used and used <= set(rules)
