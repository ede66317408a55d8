from __future__ import annotations

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "chatmon.api"
    label = "chatmon_api"
    verbose_name = "HTTP API"
    default_auto_field = "django.db.models.BigAutoField"

    beat_schedule = {
        "api.prune_idempotent_responses": {
            "every": 3600,
            "description": "Deletes responses kept for Idempotency-Key replays past API_IDEMPOTENCY_TTL_HOURS.",
        },
    }
