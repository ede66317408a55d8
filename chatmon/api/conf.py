"""The API's settings, read from Django settings at call time (so `override_settings` works in tests).

chatmon/settings/api.py maps environment variables onto these names; the defaults below apply without it.
"""

from __future__ import annotations

from django.conf import settings


def _get(name: str, default):
    return getattr(settings, name, default)


def rate_limit_per_minute() -> int:
    # Requests one API key may make per minute when the key sets no limit of its own (0 = unlimited).
    return int(_get("API_RATE_LIMIT_PER_MINUTE", 1200))


def max_body_bytes() -> int:
    # Bodies larger than this are refused with 413 before they are parsed.
    return int(_get("API_MAX_BODY_BYTES", 1024 * 1024))


def max_batch_items() -> int:
    # Items one batch request (spends, events, timings) may carry.
    return int(_get("API_MAX_BATCH_ITEMS", 500))


def idempotency_ttl_hours() -> int:
    # How long a stored response answers a replay of its Idempotency-Key (the prune job deletes older ones).
    return int(_get("API_IDEMPOTENCY_TTL_HOURS", 24))


def default_source() -> str:
    # The external-user source of a new API key ("librechat": callers name users by LibreChat's ObjectIds).
    return str(_get("API_DEFAULT_SOURCE", "librechat"))


def audit_actions() -> list[str]:
    # Audit actions API callers may record besides the ones already registered ("<domain>.<verb>").
    return list(_get("API_AUDIT_ACTIONS", []))


def timing_max_routes() -> int:
    # Distinct external route templates one process accepts for timings; more are counted as "<other>",
    # because route templates become Prometheus labels and dashboard rows.
    return int(_get("API_TIMING_MAX_ROUTES", 200))


def timing_max_age_seconds() -> int:
    # Timings older than this are refused: their minute has long been compacted and alerted on.
    return int(_get("API_TIMING_MAX_AGE_SECONDS", 86400))


def key_memory_seconds() -> float:
    # How long a process trusts an API key it has verified (and a caller's user it has resolved) before asking
    # the database again: a key revoked elsewhere stops working within this time (at once in the process that
    # revoked it). 0 asks the database on every request.
    return float(_get("API_KEY_MEMORY_SECONDS", 5))


def user_memory_seconds() -> float:
    # How long a process reuses the chatmon user a caller's id maps to, with their balance settings already
    # applied, before looking them up again. A user deleted (or an id remapped) through Django anywhere is
    # forgotten by every process sooner, at its next read of the users' stamp (API_USER_STAMP_SECONDS); this
    # bounds what the stamp cannot announce: a row changed by hand in the database.
    return float(_get("API_USER_MEMORY_SECONDS", 300))


def user_stamp_seconds() -> float:
    # How often a process asks the shared cache whether a user was deleted or remapped elsewhere (one cache
    # read at most this often per process; 0: at every request that names a user).
    return float(_get("API_USER_STAMP_SECONDS", 1.0))


def cache_alias() -> str:
    # The Django cache shared by every process (Redis) holding the users' stamp.
    return str(_get("API_CACHE_ALIAS", "default"))
