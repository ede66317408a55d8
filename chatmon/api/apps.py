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
        from django.db.models.signals import post_delete, post_save

        from chatmon.api import users
        from chatmon.api.models import ExternalUser

        # A deleted user must not be charged from any process's memory of them: this process forgets at once,
        # the others at their next read of the users' stamp (docs/api.md). A new mapping changes nothing
        # remembered, so only an edited one is announced: first sightings must not empty every memory.
        for sender in (get_user_model(), ExternalUser):
            post_delete.connect(users.forget_all, sender=sender, dispatch_uid=f"chatmon.api.forget_users.{sender}")
        post_save.connect(_forget_on_edit, sender=ExternalUser, dispatch_uid="chatmon.api.forget_remapped_users")


def _forget_on_edit(created: bool, **kwargs) -> None:
    from chatmon.api import users

    if not created:
        users.forget_all(**kwargs)
