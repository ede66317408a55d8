from __future__ import annotations

from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "chatmon.policies"
    label = "chatmon_policies"
    verbose_name = "chatmon policies and budgets"
    default_auto_field = "django.db.models.BigAutoField"

    beat_schedule = {
        "chatmon.check_budgets": {
            "every": 60,
            "description": "Sends each budget's 50/80/100 % notices once per period.",
        },
    }

    def ready(self) -> None:
        # Audit tracking of policy and budget edits, the cache's change receivers and the sign-in group sync.
        from chatmon.policies import audit, cache, claims  # noqa: F401

        audit.track()
