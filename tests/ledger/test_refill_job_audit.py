"""The refill job's audit trail and figures: an event per refill, written per batch, chained and verifiable; rows
and balances exact; once per period even when balance checks race the job."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from auditlog.models import AuditEvent
from auditlog.services import verify_chain
from chatmon.testing.together import run_together
from chatmon.testing.worker import database_url
from ledger import services, signals
from ledger.models import Balance, Transaction
from ledger.verify import verify_balance
from tests.ledger.test_refill_job import _refilling_balances

ROOT = Path(__file__).resolve().parents[2]
REFILLED = "ledger.balance_refilled"


@pytest.fixture
def batches():
    """The balances_refilled batches the job sends: (trigger, [(user id, amount, row pk, balance)])."""
    sent = []

    def receive(sender, refills, trigger, **_):
        sent.append((trigger, [(r.user_id, r.amount, r.transaction.pk, r.balance) for r in refills]))

    signals.balances_refilled.connect(receive, weak=False, dispatch_uid="test-batches")
    yield sent
    signals.balances_refilled.disconnect(dispatch_uid="test-batches")


@pytest.mark.django_db
def test_the_job_audits_each_refill_once_with_one_signal_per_batch(settings, batches):
    settings.LEDGER_REFILL_BATCH_SIZE = 2
    balances = _refilling_balances(5)
    start = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    assert services.refill_due_balances() == {"refilled": 5, "skipped": 0}
    rows = {row.user_id: row for row in Transaction.objects.filter(context="autoRefill")}
    assert [len(refills) for _, refills in batches] == [2, 2, 1]
    assert [refill for _, refills in batches for refill in refills] == [
        (b.user_id, 100.0, rows[b.user_id].pk, 105.0) for b in balances
    ]
    events = list(AuditEvent.objects.filter(id__gt=start, action=REFILLED).order_by("id"))
    assert [(e.actor_label, e.subject_id, e.target_type.model, e.target_id) for e in events] == [
        ("job:ledger.refill", b.user_id, "transaction", str(rows[b.user_id].pk)) for b in balances
    ]
    assert [e.metadata for e in events] == [{"amount": 100.0, "balance": 105.0, "trigger": "job"}] * 5
    assert verify_chain().ok
    assert services.refill_due_balances() == {"refilled": 0, "skipped": 0}  # once per period
    assert AuditEvent.objects.filter(action=REFILLED).count() == 5


@pytest.mark.django_db
def test_the_jobs_rows_and_balances_stay_exact(settings):
    settings.LEDGER_REFILL_BATCH_SIZE = 3
    balances = _refilling_balances(7)
    services.refill_due_balances()
    rows = Transaction.objects.filter(context="autoRefill").order_by("user_id")
    assert [(r.user_id, r.balance_before, r.token_value, r.balance_after, r.written_off) for r in rows] == [
        (b.user_id, 5.0, 100.0, 105.0, 0.0) for b in balances
    ]
    for balance in Balance.objects.filter(pk__in=[b.pk for b in balances]):
        assert verify_balance(balance) == []
        assert balance.last_refill == rows.get(user_id=balance.user_id).created_at
        assert balance.next_refill_at > balance.last_refill


CHECKER = """
import json, sys, django
django.setup()
from chatmon.testing.together import ready_then_wait
from ledger import services
def check(user):
    # It costs more than the balance holds, so it refills the balance first when that is still due.
    return services.check_balance(user=int(user), model="gpt-4o", amount=1000)
checks = [check(sys.argv[1])]  # warmed up before the start, so the race starts with the first batch
ready_then_wait()
checks += [check(user) for user in sys.argv[2:]]
print(json.dumps({"denied": sum(not check.allowed for check in checks)}))
"""
JOB = """
import json, django
django.setup()
from chatmon.testing.together import ready_then_wait
from ledger import services
ready_then_wait()
print(json.dumps(services.refill_due_balances()))
"""


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_balance_checks_racing_the_job_leave_each_balance_refilled_and_audited_once():
    balances = _refilling_balances(600)
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "examples.demo.settings",
        "CHECK_BALANCE": "true",
        "LEDGER_REFILL_BATCH_SIZE": "20",
    }
    # The checker walks the users from the last, the job from the first, so they meet in the middle.
    users = [str(balance.user_id) for balance in reversed(balances)]
    outputs = run_together([["-c", JOB], ["-c", CHECKER, *users]], env=env, cwd=ROOT, timeout=300)
    job, checker = (json.loads(out.strip().splitlines()[-1]) for out in outputs)
    by_checks = AuditEvent.objects.filter(action=REFILLED, metadata__trigger="check").count()
    assert checker == {"denied": 600}
    assert job["refilled"] + by_checks == 600, (job, by_checks)
    per_user = Transaction.objects.filter(context="autoRefill").values_list("user_id", flat=True)
    assert sorted(per_user) == sorted(balance.user_id for balance in balances)
    assert AuditEvent.objects.filter(action=REFILLED).count() == 600
    assert AuditEvent.objects.filter(action=REFILLED, actor_label="job:ledger.refill").count() == job["refilled"]
    assert set(Balance.objects.values_list("token_credits", flat=True)) == {105.0}
    assert all(verify_balance(balance) == [] for balance in Balance.objects.all())
    assert verify_chain().ok
