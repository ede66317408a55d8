from __future__ import annotations

from django.apps import AppConfig


class AuditlogConfig(AppConfig):
    name = "auditlog"
    default_auto_field = "django.db.models.BigAutoField"

    beat_schedule = {
        "auditlog.seal": {
            "every": 5,
            "description": "Links audit events written since the last run into the hash chain (their seal).",
        },
        "auditlog.prune": {
            "crontab": "17 3 * * *",
            "description": "Deletes audit events past their retention and keeps a signed range in their place.",
        },
    }

    # Values computed when Prometheus scrapes: /metrics adds them to the registry it builds per scrape.
    scrape_collectors: list = []

    def ready(self) -> None:
        from auditlog import bridges, checks, metrics, receivers  # noqa: F401  (importing checks registers them)

        self.scrape_collectors = [metrics.register_collector()]

        receivers.connect()
        # The ledger's and violations' signals are looked up by dotted path, never imported by name.
        bridges.connect()
