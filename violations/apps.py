from __future__ import annotations

from django.apps import AppConfig, apps


class ViolationsConfig(AppConfig):
    name = "violations"
    default_auto_field = "django.db.models.BigAutoField"

    beat_schedule = {
        "violations.compute_trends": {
            "crontab": "5 * * * *",
            "description": "Counts the last hour's violations per type (unique users and IPs) into trend rows.",
        },
        "violations.purge_expired_bans": {
            "every": 60,
            "description": "Drops expired bans from the Redis ban hash and re-syncs it with the database.",
        },
    }

    # Values computed when Prometheus scrapes: /metrics adds them to the registry it builds per scrape.
    scrape_collectors: list = []

    def ready(self) -> None:
        from violations import checks, metrics, receivers  # noqa: F401  (importing checks registers them)

        self.scrape_collectors = [metrics.register_collector()]
        # ledger is optional and never imported by name here: its signal is looked up only when installed.
        if apps.is_installed("ledger"):
            receivers.connect_balance_denied("ledger.signals.balance_denied")
