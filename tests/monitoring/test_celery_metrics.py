"""Celery task runs, failures and durations by task name, from Celery's own task signals."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from chatmon.core import tasks

pytestmark = pytest.mark.django_db


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_it_counts_successes_failures_and_durations_by_task_name():
    task = "chatmon.prune_job_runs"
    before = (
        sample("chatmon_celery_task_runs_total", task=task, outcome="success"),
        sample("chatmon_celery_task_runs_total", task=task, outcome="failure"),
        sample("chatmon_celery_task_duration_seconds_count", task=task),
    )
    # apply() runs the task through Celery's tracer in this process, signals and all, as a worker would.
    tasks.prune_job_runs.apply(kwargs={"days": 30}, task_id="t-ok")
    tasks.prune_job_runs.apply(kwargs={"days": "nope"}, task_id="t-bad")

    assert sample("chatmon_celery_task_runs_total", task=task, outcome="success") - before[0] == 1
    assert sample("chatmon_celery_task_runs_total", task=task, outcome="failure") - before[1] == 1
    assert sample("chatmon_celery_task_duration_seconds_count", task=task) - before[2] == 2
