from __future__ import annotations

from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "chatmon.dashboards"
    label = "chatmon_dashboards"
    verbose_name = "chatmon dashboards"
    default_auto_field = "django.db.models.BigAutoField"

    beat_schedule = {
        "chatmon.roll_up_usage": {
            "every": 60,
            "description": "Recomputes the dashboards' hourly usage, request, violation and ban rollups.",
        },
    }
