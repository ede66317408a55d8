from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    """JobRun and job plumbing, request context, health, /metrics, system checks.

    The label stays "chatmon": the app's migration history (0001-0007) and its tables were recorded under it
    before the other apps moved out, so existing databases keep both.
    """

    name = "chatmon.core"
    label = "chatmon"
    verbose_name = "chatmon jobs"
    default_auto_field = "django.db.models.BigAutoField"

    beat_schedule = {
        "chatmon.beat_heartbeat": {
            "every": 60,
            "description": "Proves beat and a worker are alive (read by /health/).",
        },
        "chatmon.prune_job_runs": {"crontab": "17 3 * * *", "description": "Deletes JobRun history past retention."},
    }

    def ready(self) -> None:
        from chatmon.core import checks, errors  # noqa: F401  (importing checks registers the system checks)
        from chatmon.logging.signals import install  # Celery task context, login log, slow queries, tracing

        install()
        errors.install_log_filter()  # Django's duplicate line for an API error that errors.py logged
