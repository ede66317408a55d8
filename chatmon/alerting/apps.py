from __future__ import annotations

from django.apps import AppConfig


class AlertingConfig(AppConfig):
    name = "chatmon.alerting"
    label = "chatmon_alerting"
    verbose_name = "chatmon alerting"
    default_auto_field = "django.db.models.BigAutoField"

    beat_schedule = {
        "chatmon.evaluate_alerts": {
            "every": 60,
            "description": "Evaluates the alert rules; opens and resolves incidents and sends their notices.",
        },
    }

    def ready(self) -> None:
        # Registers the alerting.* audit actions at startup, so the audit admin's filters know them before
        # the first operator action.
        # budget_notices subscribes to chatmon.policies' budget_crossed signal.
        from chatmon.alerting import budget_notices, panels, services  # noqa: F401

        panels.register()  # the Overview's Alerts panel
