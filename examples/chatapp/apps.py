from __future__ import annotations

from django.apps import AppConfig


class ChatappConfig(AppConfig):
    name = "examples.chatapp"
    label = "chatapp"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.apps import apps

        if apps.is_installed("auditlog"):
            from examples.chatapp.audit import track_chat_data

            track_chat_data()
