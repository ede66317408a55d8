"""System checks for the ledger, with stable ids (ledger.W001...)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.db import connections

from ledger import conf

SYNC_MIDDLEWARE = "ledger.middleware.BalanceSyncMiddleware"
AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"


@register(Tags.compatibility)
def check_middleware(app_configs=None, **kwargs) -> list[Warning]:
    middleware = list(settings.MIDDLEWARE)
    if SYNC_MIDDLEWARE not in middleware:
        return [
            Warning(
                f"{SYNC_MIDDLEWARE} is not in MIDDLEWARE.",
                hint="Add it after AuthenticationMiddleware: users then get their balance on their first request.",
                id="ledger.W001",
            )
        ]
    if AUTH_MIDDLEWARE not in middleware or middleware.index(SYNC_MIDDLEWARE) < middleware.index(AUTH_MIDDLEWARE):
        return [
            Warning(
                f"{SYNC_MIDDLEWARE} must come after {AUTH_MIDDLEWARE}.",
                hint="It syncs the balance of request.user, which only AuthenticationMiddleware sets: above it, "
                "nobody's balance is ever created.",
                id="ledger.W002",
            )
        ]
    return []


@register(Tags.compatibility)
def check_settings(app_configs=None, **kwargs) -> list[Warning]:
    warnings = []
    unit = getattr(settings, "LEDGER_REFILL_INTERVAL_UNIT", "days")
    if unit not in conf.REFILL_UNITS:
        warnings.append(
            Warning(
                f"LEDGER_REFILL_INTERVAL_UNIT is {unit!r}.",
                hint=f"Use one of {', '.join(conf.REFILL_UNITS)}; an unknown unit makes every refill due at once.",
                id="ledger.W003",
            )
        )
    database = connections["default"].settings_dict
    if database["ENGINE"].endswith("sqlite3") and database.get("OPTIONS", {}).get("transaction_mode") != "IMMEDIATE":
        warnings.append(
            Warning(
                "SQLite is used without OPTIONS['transaction_mode'] = 'IMMEDIATE'.",
                hint="Concurrent spends then fail with 'database is locked' instead of waiting their turn.",
                id="ledger.W004",
            )
        )
    return warnings


@register(Tags.compatibility)
def check_refill_schedule(app_configs=None, **kwargs) -> list[Error]:
    """A calendar schedule setting that cannot be read would fail every balance creation and refill."""
    try:
        conf.refill_calendar()
        conf.refill_time_zone()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), hint="See docs/ledger.md, 'Scheduled refills'.", id="ledger.E001")]
    return []
