"""JobRun recording for periodic jobs, through the Celery app's task class.

Any task whose name is in the declared beat schedule (an AppConfig's `beat_schedule`) gets a JobRun for
every run by a worker, whoever enqueued it (beat, an operator, a test); a run enqueued while serving a
request (the admin's "Run selected tasks") names that request's id. The app's tasks stay plain
`@shared_task` functions returning a JSON-able summary, so ledger, violations and auditlog need not import
chatmon. Recording happens inside `__call__`, before Celery publishes the result, so whoever waits on the
result sees the finished JobRun.
"""

from __future__ import annotations

import time
import traceback
from typing import Any

from celery import Task
from django.utils import timezone

from chatmon.core import context


class RecordedTask(Task):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from chatmon.core.beat import declared_schedule

        if not self.request.id or self.name not in declared_schedule():
            return super().__call__(*args, **kwargs)
        from chatmon.core.models import JobRun

        run = JobRun.objects.create(task=self.name, task_id=self.request.id, request_id=context.request_id())
        started = time.perf_counter()
        try:
            summary = super().__call__(*args, **kwargs)
        except Exception:
            _finish(run, started, JobRun.Status.FAILURE, error=traceback.format_exc())
            raise
        _finish(run, started, JobRun.Status.SUCCESS, summary=summary)
        return summary


def _finish(run, started: float, status: str, *, summary: Any = None, error: str = "") -> None:
    run.finished_at = timezone.now()
    run.duration_ms = round((time.perf_counter() - started) * 1000, 3)
    run.status = status
    run.summary = summary if isinstance(summary, dict) or summary is None else {"result": repr(summary)}
    run.summary = run.summary or {}
    run.error = error
    run.save(update_fields=["finished_at", "duration_ms", "status", "summary", "error"])
