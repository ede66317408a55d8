"""Several processes appending at once keep one linear, valid chain (run on SQLite and on PostgreSQL)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from auditlog.models import AuditEvent
from auditlog.services import verify_chain
from chatmon.testing.together import run_together
from chatmon.testing.worker import database_url

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
WRITERS = 6
EACH = 30


def test_it_keeps_a_valid_chain_under_concurrent_writers():
    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "examples.demo.settings"}
    commands = [["-m", "tests.auditlog.appender", str(EACH), f"w{n}"] for n in range(WRITERS)]
    outputs = run_together(commands, env=env, cwd=ROOT)
    assert sorted(json.loads(out)["worker"] for out in outputs) == [f"w{n}" for n in range(WRITERS)]
    report = verify_chain()
    assert (report.ok, report.checked, report.problem) == (True, WRITERS * EACH, "")
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, WRITERS * EACH + 1))
    # The writers really ran at the same time: every one started before any had finished. (Whether their
    # events interleave in the chain is up to the scheduler: SQLite may let one writer take several turns.)
    runs = [json.loads(out) for out in outputs]
    assert max(run["started"] for run in runs) < min(run["finished"] for run in runs)
