"""The auditlog.prune job runs on a real Celery worker, records a JobRun and an audit event of its own."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from auditlog.models import AuditEvent
from auditlog.services import record, verify_chain
from auditlog.tasks import prune
from chatmon.core.beat import declared_schedule
from chatmon.core.models import JobRun

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_is_declared_in_the_beat_schedule():
    assert "crontab" in declared_schedule()["auditlog.prune"]


def test_it_prunes_on_a_worker_and_records_a_job_run(celery_worker):
    with time_machine.travel(timezone.now() - timedelta(days=500), tick=False):
        record(action="auth.login", actor="job:seed")
    record(action="auth.login", actor="job:seed")
    result = prune.delay()
    assert result.get(timeout=60) == {"pruned": 1, "batches": 1, "ranges": 1}
    run = JobRun.objects.get(task="auditlog.prune", task_id=result.id)
    assert (run.status, run.summary["pruned"]) == ("success", 1)
    last = AuditEvent.objects.order_by("-id").first()  # written after the prune: not sealed yet
    assert (last.action, last.actor_label, last.metadata["pruned"]) == (
        "system.retention_pruned",
        "job:auditlog.prune",
        1,
    )
    assert verify_chain().ok
