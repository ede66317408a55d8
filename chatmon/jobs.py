"""Periodic jobs: thin Celery tasks that call a service and record a JobRun for every run."""

from __future__ import annotations

import functools
import time
import traceback
from collections.abc import Callable
from typing import Any

from celery import shared_task
from django.utils import timezone

from chatmon.models import JobRun


def periodic_job(name: str, **task_options: Any) -> Callable:
    """Turn `func` (which returns a JSON-able summary) into the Celery task `name` that records a JobRun.

    A failure is recorded with its traceback and then re-raised so Celery's own retry and failure
    handling (and the task-failure metrics) still see it.
    """

    def decorate(func: Callable[..., Any]) -> Any:
        @shared_task(name=name, bind=True, **task_options)
        @functools.wraps(func)
        def task(self, *args: Any, **kwargs: Any) -> Any:
            run = JobRun.objects.create(task=name, task_id=self.request.id or "")
            started = time.perf_counter()
            try:
                summary = func(*args, **kwargs)
            except Exception:
                _finish(run, started, JobRun.Status.FAILURE, error=traceback.format_exc())
                raise
            _finish(run, started, JobRun.Status.SUCCESS, summary=summary)
            return summary

        return task

    return decorate


def _finish(run: JobRun, started: float, status: str, *, summary: Any = None, error: str = "") -> None:
    run.finished_at = timezone.now()
    run.duration_ms = round((time.perf_counter() - started) * 1000, 3)
    run.status = status
    run.summary = summary if isinstance(summary, dict) else {"result": summary}
    run.error = error
    run.save(update_fields=["finished_at", "duration_ms", "status", "summary", "error"])
