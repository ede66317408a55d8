"""Policies and budgets settings: every name has the POLICIES_ prefix and a default here, read at call time (so
override_settings works). chatmon/settings/policies.py maps environment variables onto them."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _get(name: str, default):
    return getattr(settings, name, default)


def claim_groups() -> dict[str, list[str]]:
    # Role claim value -> the Django group names it puts a user in ({"researcher": ["research"]}); a single
    # name may stand for a one-item list. sync_groups_from_claims adds and removes only these groups.
    mapping = _get("POLICIES_CLAIM_GROUPS", {}) or {}
    return {str(claim): [names] if isinstance(names, str) else list(names) for claim, names in mapping.items()}


def claims_reader() -> str:
    # Dotted path of `f(user) -> iterable of role claims, or None to leave the user's groups alone`, called at
    # each sign-in ("": groups change only when the chat app calls services.sync_groups_from_claims itself).
    return str(_get("POLICIES_CLAIMS_READER", "") or "")


def time_zone() -> ZoneInfo:
    # Budgets' days, weeks (from Monday) and months start at midnight here (default: TIME_ZONE).
    name = _get("POLICIES_TIME_ZONE", None) or getattr(settings, "TIME_ZONE", None) or "UTC"
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ImproperlyConfigured(f"POLICIES_TIME_ZONE: unknown time zone {name!r}.") from exc


def cache_alias() -> str:
    # The Django cache shared by every process (Redis) holding the policies' version stamp and budget spends.
    return str(_get("POLICIES_CACHE_ALIAS", "default"))


def stamp_seconds() -> float:
    # How often a process asks the shared cache whether policies or budgets changed (at most one read a second
    # per process with the default; 0: at every balance check).
    return float(_get("POLICIES_STAMP_SECONDS", 1.0))


def reload_seconds() -> float:
    # The longest a process keeps the policies it read when the stamp cannot be read (cache unreachable).
    return float(_get("POLICIES_RELOAD_SECONDS", 30.0))


def spend_cache_seconds() -> float:
    # How long a hard stop reuses a budget's spend (shared cache): a budget can overshoot by what is spent in
    # this window; 0 sums the ledger rows at every balance check.
    return float(_get("POLICIES_SPEND_CACHE_SECONDS", 5.0))


def forecast_days() -> int:
    # Days of history the forecast's daily run rate is the mean of (fewer when the install is younger).
    return int(_get("POLICIES_FORECAST_DAYS", 7))


def forecast_min_hours() -> float:
    # Below this much history a forecast says "not enough data" instead of extrapolating.
    return float(_get("POLICIES_FORECAST_MIN_HOURS", 24.0))


def notice_levels() -> tuple[int, ...]:
    # Shares of a budget's limit (%) whose first crossing in a period sends a notice, unless the budget
    # names its own levels.
    return tuple(int(level) for level in _get("POLICIES_NOTICE_LEVELS", (50, 80, 100)))
