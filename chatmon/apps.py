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
        "chatmon.compact_request_rollups": {
            "every": 60,
            "description": "Adds flushed request rollups, client and feature counts from Redis to the database.",
        },
        "chatmon.roll_up_usage": {
            "every": 60,
            "description": "Recomputes the dashboards' hourly usage, request, violation and ban rollups.",
        },
        "chatmon.evaluate_alerts": {
            "every": 60,
            "description": "Evaluates the alert rules; opens and resolves incidents and sends their notices.",
        },
    }

    def ready(self) -> None:
        from chatmon import checks  # noqa: F401  (registers the system checks)
        from chatmon.logging.signals import install  # Celery task context, login log, slow queries, tracing

        install()
