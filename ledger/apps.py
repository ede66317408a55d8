from __future__ import annotations

from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ledger"
    verbose_name = "ledger"
    default_auto_field = "django.db.models.BigAutoField"

    beat_schedule = {
        "ledger.refill_due_balances": {
            "every": 60,
            "description": "Adds the refill amount to every balance whose auto-refill interval has elapsed.",
        },
        "ledger.release_expired_holds": {
            "every": 60,
            "description": "Gives back the credits of balance-check holds that expired unspent.",
        },
    }

    # Values computed when Prometheus scrapes: /metrics adds them to the registry it builds per scrape.
    scrape_collectors: list = []

    def ready(self) -> None:
        from ledger import checks, metrics, overrides  # noqa: F401  (system checks, price-cache signal receivers)

        self.scrape_collectors = [metrics.register_collector()]
