"""ledger.refill_due_balances: refills each due balance once, whoever runs it and however often."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from auditlog.models import AuditEvent
from auditlog.services import verify_chain
from chatmon.core.models import JobRun
from chatmon.testing.worker import database_url
from ledger import services
from ledger.models import Balance, Transaction

ROOT = Path(__file__).resolve().parents[2]


def _refilling_balances(count: int, *, hours_ago: int = 2) -> list[Balance]:
    first = get_user_model().objects.count()
    users = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"refill-{first + i}") for i in range(count)]
    )
    balances = [
        Balance(
            user=user,
            token_credits=5,
            opening_credits=5,
            auto_refill_enabled=True,
            refill_amount=100,
            refill_interval_value=1,
            refill_interval_unit="hours",
            last_refill=timezone.now() - timedelta(hours=hours_ago),
        )
        for user in users
    ]
    for balance in balances:
        balance.schedule_next_refill()
    return Balance.objects.bulk_create(balances)


@pytest.mark.django_db
def test_it_refills_due_balances_once_per_period(settings):
    settings.LEDGER_REFILL_BATCH_SIZE = 2
    _refilling_balances(5)
    _refilling_balances(1, hours_ago=0)
    assert services.refill_due_balances() == {"refilled": 5, "skipped": 0}
    assert services.refill_due_balances() == {"refilled": 0, "skipped": 0}
    assert sorted(Balance.objects.values_list("token_credits", flat=True)) == [5] + [105] * 5
    later = timezone.now() + timedelta(hours=1, seconds=1)
    assert services.refill_due_balances(now=later) == {"refilled": 6, "skipped": 0}


@pytest.mark.django_db
def test_it_skips_a_balance_a_check_refilled_first(balances_on):
    [balance] = _refilling_balances(1)
    services.check_balance(user=balance.user_id, model="gpt-4o", amount=100)
    assert services.refill_due_balances() == {"refilled": 0, "skipped": 0}
    assert Transaction.objects.filter(context="autoRefill").count() == 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_it_refills_once_when_two_workers_run_at_the_same_time():
    _refilling_balances(150)
    code = "import django; django.setup(); from ledger import services; print(services.refill_due_balances())"
    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "examples.demo.settings"}
    runs = [
        subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert all(run.returncode == 0 for run in runs), outputs
    summaries = [ast.literal_eval(output.strip().splitlines()[-1]) for output in outputs]
    assert sum(summary["refilled"] for summary in summaries) == 150, summaries
    assert Transaction.objects.filter(context="autoRefill").count() == 150
    assert set(Balance.objects.values_list("token_credits", flat=True)) == {105}
    assert AuditEvent.objects.filter(action="ledger.balance_refilled").count() == 150
    assert verify_chain().ok


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_it_records_a_job_run_in_the_worker(celery_worker):
    from ledger.tasks import refill_due_balances, release_expired_holds

    _refilling_balances(3)
    assert refill_due_balances.delay().get(timeout=60) == {"refilled": 3, "skipped": 0}
    assert release_expired_holds.delay().get(timeout=60) == {"released": 0, "users": 0}
    runs = JobRun.objects.filter(task__startswith="ledger.").order_by("task")
    assert [(run.task, run.status, run.summary) for run in runs] == [
        ("ledger.refill_due_balances", "success", {"refilled": 3, "skipped": 0}),
        ("ledger.release_expired_holds", "success", {"released": 0, "users": 0}),
    ]
