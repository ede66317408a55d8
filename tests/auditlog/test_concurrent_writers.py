"""Several processes writing at once, while sealers seal, lose nothing and keep one linear, valid chain (run on
SQLite and on PostgreSQL)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from auditlog.models import AuditEvent
from auditlog.sealing import seal
from auditlog.services import verify_chain
from chatmon.testing.together import run_together
from chatmon.testing.worker import database_url

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
WRITERS = 6
EACH = 30


def _env() -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "examples.demo.settings"}


def test_it_keeps_a_valid_chain_under_concurrent_writers():
    env = _env()
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


def test_four_writers_lose_nothing_while_two_sealers_seal_as_they_write():
    writers, each = 4, 60
    total = writers * each
    commands = [["-m", "tests.auditlog.appender", str(each), f"w{n}"] for n in range(writers)]
    commands += [["-m", "tests.auditlog.sealer", str(total), f"s{n}"] for n in range(2)]
    runs = [json.loads(out) for out in run_together(commands, env=_env(), cwd=ROOT)]
    sealers = [run for run in runs if "sealer" in run]
    # The sealers did all the sealing, in several batches, while the writers wrote; each event exactly once.
    assert sum(run["sealed"] for run in sealers) == total
    assert sum(run["batches"] for run in sealers) > 1
    assert seal().sealed == 0
    report = verify_chain(seal=False)
    assert (report.ok, report.checked, report.unsealed, report.problem) == (True, total, 0, "")
    # Nothing lost, nothing doubled: every writer's events, each once, the rolled-back ones nowhere.
    written = sorted(AuditEvent.objects.values_list("actor_label", "metadata__n"))
    assert written == sorted((f"job:w{w}", n) for w in range(writers) for n in range(each))
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, total + 1))
