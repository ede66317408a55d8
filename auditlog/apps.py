from __future__ import annotations

from django.apps import AppConfig


class AuditlogConfig(AppConfig):
    name = "auditlog"
    default_auto_field = "django.db.models.BigAutoField"
