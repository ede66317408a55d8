from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "chatmon.analytics"
    label = "chatmon_analytics"
    verbose_name = "chatmon analytics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from chatmon.analytics import receivers  # noqa: F401
