from __future__ import annotations

from django.apps import AppConfig


class ChatappConfig(AppConfig):
    name = "examples.chatapp"
    label = "chatapp"
    default_auto_field = "django.db.models.BigAutoField"
