from __future__ import annotations

from django.apps import AppConfig


class AuditlogConfig(AppConfig):
    name = "auditlog"
    default_auto_field = "django.db.models.BigAutoField"

    beat_schedule = {
        "auditlog.prune": {
            "crontab": "17 3 * * *",
            "description": "Deletes audit events past their retention and keeps a signed range in their place.",
        },
    }

    def ready(self) -> None:
        from auditlog import bridges, checks, receivers  # noqa: F401  (importing checks registers them)

        receivers.connect()
        # The ledger's and violations' signals are looked up by dotted path, never imported by name.
        bridges.connect()
