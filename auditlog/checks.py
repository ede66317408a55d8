"""System checks for the audit log, with stable ids (auditlog.W001...)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

AUDITLOG_MIDDLEWARE = "auditlog.middleware.AuditlogMiddleware"
AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"


@register(Tags.compatibility)
def check_middleware(app_configs=None, **kwargs) -> list[Warning]:
    middleware = list(settings.MIDDLEWARE)
    if AUDITLOG_MIDDLEWARE not in middleware:
        return []  # optional: events recorded away from a view then name no request (actor, IP, request id)
    if AUTH_MIDDLEWARE not in middleware or middleware.index(AUDITLOG_MIDDLEWARE) < middleware.index(AUTH_MIDDLEWARE):
        return [
            Warning(
                f"{AUDITLOG_MIDDLEWARE} must come after {AUTH_MIDDLEWARE}.",
                hint="Events recorded away from a view take their actor from the request's user, which only "
                "AuthenticationMiddleware sets; put the audit log right after it (and after chatmon's "
                "AnonymousCallerMiddleware when used), above everything that can record an event.",
                id="auditlog.W001",
            )
        ]
    return []
