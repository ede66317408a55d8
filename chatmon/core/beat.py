"""Sync the beat schedule declared in code into django-celery-beat's tables.

Each app declares `beat_schedule` on its AppConfig: task name -> {"every": seconds} or
{"crontab": "m h dom mon dow"}. Sync creates what is missing and leaves existing entries alone, so an
operator's edits in the admin (interval, enabled) survive restarts; `reset=True` restores the code's values.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask


@dataclass(frozen=True)
class SyncReport:
    created: list[str]
    reset: list[str]
    unchanged: list[str]


def declared_schedule() -> dict[str, dict]:
    """Every installed app's declared jobs, by task name."""
    schedule: dict[str, dict] = {}
    for config in apps.get_app_configs():
        schedule.update(getattr(config, "beat_schedule", {}))
    return schedule


def _schedule_fields(entry: dict) -> dict:
    if "every" in entry:
        interval, _ = IntervalSchedule.objects.get_or_create(every=entry["every"], period=IntervalSchedule.SECONDS)
        return {"interval": interval, "crontab": None}
    minute, hour, day_of_month, month_of_year, day_of_week = entry["crontab"].split()
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=minute,
        hour=hour,
        day_of_month=day_of_month,
        month_of_year=month_of_year,
        day_of_week=day_of_week,
        timezone="UTC",
    )
    return {"crontab": crontab, "interval": None}


@transaction.atomic
def sync_beat_schedule(*, reset: bool = False) -> SyncReport:
    created, was_reset, unchanged = [], [], []
    for task_name, entry in sorted(declared_schedule().items()):
        existing = PeriodicTask.objects.filter(name=task_name).first()
        if existing and not reset:
            unchanged.append(task_name)
            continue
        fields = {
            "task": task_name,
            "enabled": True,
            "description": entry.get("description", ""),
            **_schedule_fields(entry),
        }
        if existing:
            for name, value in fields.items():
                setattr(existing, name, value)
            existing.save()
            was_reset.append(task_name)
        else:
            PeriodicTask.objects.create(name=task_name, **fields)
            created.append(task_name)
    return SyncReport(created=created, reset=was_reset, unchanged=unchanged)
