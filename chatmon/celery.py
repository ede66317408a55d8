"""The Celery app: broker and beat settings come from Django settings (CELERY_ prefix)."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatmon.settings")

# RecordedTask writes a JobRun for every run of a scheduled job (see chatmon.jobs).
app = Celery("chatmon", task_cls="chatmon.jobs:RecordedTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _require_broker_on_worker_start(**_kwargs) -> None:
    from chatmon.redis import require_redis

    require_redis()


@beat_init.connect
def _sync_schedule_on_beat_start(**_kwargs) -> None:
    """The default schedule is declared in code (AppConfig.beat_schedule) and synced when beat starts."""
    from chatmon.beat import sync_beat_schedule
    from chatmon.redis import require_redis

    require_redis()
    sync_beat_schedule()
    # Interval schedules first fire one interval after beat starts; a heartbeat now makes /health/ green
    # within seconds of `make run` instead of a minute later.
    app.send_task("chatmon.beat_heartbeat")
