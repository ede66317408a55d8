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

    def ready(self) -> None:
        from django.contrib import admin
        from django.utils.functional import lazy

        # The admin's "View site" leads to "/", which a chatmon project does not serve (a 404): point it at
        # the dashboards, unless the project chose a site URL of its own.
        if admin.site.site_url == "/":
            admin.site.site_url = lazy(_site_url, str)()


def _site_url() -> str:
    """The dashboards' index, or "/" under a URLconf that does not include them."""
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("dashboards:index")
    except NoReverseMatch:
        return "/"
