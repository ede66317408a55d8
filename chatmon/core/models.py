"""Core models: the run history of periodic jobs."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class JobRun(models.Model):
    """One run of a periodic (beat) job: what operators and the health check read to see jobs are alive."""

    class Status(models.TextChoices):
        RUNNING = "running", "running"
        SUCCESS = "success", "success"
        FAILURE = "failure", "failure"

    task = models.CharField(max_length=200, db_index=True)
    task_id = models.CharField(max_length=64, blank=True)
    # The request whose handling enqueued this run (an operator's "run now" in the admin); empty for beat's.
    request_id = models.CharField(max_length=128, blank=True, db_index=True)
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    duration_ms = models.FloatField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["task", "-started_at"], name="jobrun_task_recent")]

    def __str__(self) -> str:
        return f"{self.task} {self.started_at:%Y-%m-%d %H:%M:%S} {self.status}"
