"""deploy/: the scrape config and the rules are valid, and the rules' unit tests pass under promtool."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import require

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


@pytest.fixture(scope="module")
def promtool() -> str:
    path = shutil.which("promtool")
    require(path is not None, "promtool not found (apt-get install prometheus, or `make /usr/bin/promtool`)")
    return path


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=DEPLOY, capture_output=True, text=True, timeout=60)


def test_it_passes_the_rules_unit_tests(promtool):
    result = run(promtool, "test", "rules", "tests/chatmon_test.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_has_valid_rules_and_scrape_config(promtool):
    rules = run(promtool, "check", "rules", *map(str, sorted((DEPLOY / "rules").glob("*.yml"))))
    assert rules.returncode == 0, rules.stdout + rules.stderr
    config = run(promtool, "check", "config", "--syntax-only", "prometheus.yml")
    assert config.returncode == 0, config.stdout + config.stderr


def test_it_gives_every_alert_a_severity_summary_and_description():
    for path in (DEPLOY / "rules").glob("*.yml"):
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    assert rule["labels"]["severity"] in {"critical", "warning", "info"}, rule["alert"]
                    assert {"summary", "description"} <= set(rule["annotations"]), rule["alert"]
