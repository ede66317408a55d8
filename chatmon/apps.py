from __future__ import annotations

from django.apps import AppConfig


class ChatmonConfig(AppConfig):
    name = "chatmon"
    verbose_name = "chatmon monitoring"
    default_auto_field = "django.db.models.BigAutoField"

    beat_schedule = {
        "chatmon.beat_heartbeat": {
            "every": 60,
            "description": "Proves beat and a worker are alive (read by /health/).",
        },
        "chatmon.prune_job_runs": {"crontab": "17 3 * * *", "description": "Deletes JobRun history past retention."},
    }

    def ready(self) -> None:
        from chatmon import checks  # noqa: F401  (registers the system checks)
