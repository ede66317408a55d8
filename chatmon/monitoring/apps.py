from __future__ import annotations

from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "chatmon.monitoring"
    label = "chatmon_monitoring"
    verbose_name = "chatmon monitoring"
    default_auto_field = "django.db.models.BigAutoField"

    beat_schedule = {
        "chatmon.compact_request_rollups": {
            "every": 60,
            "description": "Adds flushed request rollups, client and feature counts from Redis to the database.",
        },
    }

    @property
    def scrape_collectors(self) -> list:
        """Values computed when Prometheus scrapes (active users, queue depths, jobs): registered by the
        monitoring middleware, so only in web processes."""
        from chatmon.monitoring import collectors

        return collectors.registered()

    def ready(self) -> None:
        from chatmon.core.signals import metrics_requested
        from chatmon.monitoring import celery_signals  # noqa: F401  (task metrics in every process running tasks)

        metrics_requested.connect(_sync_request_metrics, dispatch_uid="chatmon.monitoring.sync_request_metrics")


def _sync_request_metrics(**_kwargs) -> None:
    """This process's requests up to now; the other processes' are at most a sync interval late."""
    # Imported here: the module creates Prometheus metrics, which in multiprocess mode need the folder that
    # `make run` creates after the apps load.
    from chatmon.monitoring.batched import sync_all

    sync_all()
