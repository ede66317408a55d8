from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "chatmon.analytics"
    label = "chatmon_analytics"
    verbose_name = "chatmon analytics"
    default_auto_field = "django.db.models.BigAutoField"
    beat_schedule = {
        "chatmon.analytics.compute_cohorts": {
            "every": 3600,
            "description": "Recomputes the sign-up cohorts' retention (the last 26 weeks and 12 months).",
        },
    }

    scrape_collectors: list = []

    def ready(self) -> None:
        from django.apps import apps

        from chatmon.analytics import kpis, receivers  # noqa: F401  (receivers: the sign-in place counter)

        self.scrape_collectors = [kpis.register_collector()]
        if apps.is_installed("django.contrib.admin"):
            # The admin (listed before this app) has imported every admin module by now.
            from django.contrib.admin import site

            from chatmon.analytics.country_filters import add_country_filters

            add_country_filters(site)
