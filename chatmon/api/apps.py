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

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete

        from chatmon.api import users

        # A deleted user must not be charged from this process's memory of them (other processes: within
        # API_USER_MEMORY_SECONDS, docs/api.md).
        post_delete.connect(
            lambda **kwargs: users.recently_resolved.clear(), sender=get_user_model(), weak=False,
            dispatch_uid="chatmon.api.forget_deleted_users",
        )  # fmt: skip
