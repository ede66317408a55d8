"""Periodic jobs run on a real Celery worker against the real broker and record a JobRun."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from chatmon.core import beat, context, tasks
from chatmon.core.models import JobRun

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_runs_a_job_on_a_real_worker_and_records_it(celery_worker):
    JobRun.objects.create(task="old", started_at=timezone.now() - timedelta(days=90), status="success")
    JobRun.objects.create(task="recent", started_at=timezone.now() - timedelta(days=1), status="success")

    result = tasks.prune_job_runs.delay(days=30)
    summary = result.get(timeout=30)

    assert summary["deleted"] == 1
    # Only the run past 30 days went (other jobs may have run meanwhile: the worker serves the whole session).
    assert set(JobRun.objects.filter(task__in=["old", "recent"]).values_list("task", flat=True)) == {"recent"}
    run = JobRun.objects.get(task="chatmon.prune_job_runs")
    assert run.task_id == result.id
    assert run.status == JobRun.Status.SUCCESS
    assert run.summary["deleted"] == 1
    assert run.finished_at >= run.started_at
    assert run.duration_ms is not None and run.duration_ms >= 0


def test_it_records_a_failed_run_with_its_error(celery_worker):
    result = tasks.prune_job_runs.delay(days="not a number")
    with pytest.raises(TypeError):
        result.get(timeout=30)
    run = JobRun.objects.get(task="chatmon.prune_job_runs", task_id=result.id)
    assert run.status == JobRun.Status.FAILURE
    assert "TypeError" in run.error
    assert run.summary == {}


def test_it_does_not_record_tasks_outside_the_beat_schedule(celery_worker):
    from chatmon.celery import app

    result = app.send_task("celery.backend_cleanup")  # a built-in task no app schedules
    result.get(timeout=30)
    assert not JobRun.objects.filter(task_id=result.id).exists()


def test_a_run_started_from_the_admin_names_the_operators_request(celery_worker, client, operator):
    beat.sync_beat_schedule()
    periodic = PeriodicTask.objects.get(task="chatmon.prune_job_runs")
    client.force_login(operator)
    response = client.post(
        "/admin/django_celery_beat/periodictask/",
        {"action": "run_tasks", "_selected_action": [periodic.pk]},
        headers={"X-Request-ID": "req-run-now"},
    )
    assert response.status_code == 302
    deadline = timezone.now() + timedelta(seconds=30)
    while not JobRun.objects.filter(task="chatmon.prune_job_runs", status="success").exists():
        assert timezone.now() < deadline, "the worker did not run the job"
        time.sleep(0.1)
    runs = JobRun.objects.filter(task="chatmon.prune_job_runs")
    assert list(runs.values_list("request_id", flat=True)) == ["req-run-now"]


def test_a_run_enqueued_outside_any_request_names_none(celery_worker):
    assert context.request_id() == ""
    result = tasks.prune_job_runs.delay(days=30)
    result.get(timeout=30)
    assert JobRun.objects.get(task_id=result.id).request_id == ""
