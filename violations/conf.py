"""violations' settings: every name has the VIOLATIONS_ prefix, a LibreChat default and is read at call time
(so override_settings works and the app runs without chatmon's settings modules).

chatmon/settings/violations.py maps LibreChat's env names onto these settings with the parsers below.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from violations.mathexpr import MathError, parse_math
from violations.types import ViolationType as T

__all__ = ["MathError", "parse_math"]

# Per-type scores when LibreChat's *_VIOLATION_SCORE env vars are unset. logViolation's own default is 1;
# non-browser is 20 (so with BAN_INTERVAL 20 the first hit bans), balance, conversation access and share 0.
DEFAULT_SCORES: dict[str, int] = {t.value: 1 for t in T} | {
    T.NON_BROWSER: 20,
    T.TOKEN_BALANCE: 0,
    T.CONVO_ACCESS: 0,
    T.SHARE_LIMIT: 0,
    # Recorded, not counted towards a ban, until the operator gives it a score (SPEND_ANOMALY_VIOLATION_SCORE):
    # a surge may be a paying user's busy day.
    T.SPEND_ANOMALY: 0,
}

# Rate limits (max hits per fixed window, window in seconds), LibreChat's defaults. `enabled` mirrors the
# LIMIT_MESSAGE_IP / LIMIT_MESSAGE_USER switches (off in LibreChat's code); `score` None = the type's score.
DEFAULT_RATE_LIMITS: dict[str, dict[str, Any]] = {
    "login": {"max": 7, "window_seconds": 5 * 60},
    "two_factor": {"max": 7, "window_seconds": 5 * 60},
    "register": {"max": 5, "window_seconds": 60 * 60},
    "reset_password": {"max": 2, "window_seconds": 2 * 60},
    "reset_password_submission": {"max": 2, "window_seconds": 2 * 60},
    "verify_email": {"max": 2, "window_seconds": 2 * 60},
    "message_ip": {"max": 40, "window_seconds": 60, "enabled": False},
    "message_user": {"max": 40, "window_seconds": 60, "enabled": False},
    "tool_call": {"max": 1, "window_seconds": 1},
    "file_upload_ip": {"max": 100, "window_seconds": 15 * 60},
    "file_upload_user": {"max": 50, "window_seconds": 15 * 60},
    "import_ip": {"max": 100, "window_seconds": 15 * 60},
    "import_user": {"max": 50, "window_seconds": 15 * 60},
    "fork_ip": {"max": 30, "window_seconds": 60},
    "fork_user": {"max": 7, "window_seconds": 60},
    "tts_ip": {"max": 100, "window_seconds": 60},
    "tts_user": {"max": 50, "window_seconds": 60},
    "stt_ip": {"max": 100, "window_seconds": 60},
    "stt_user": {"max": 50, "window_seconds": 60},
    "share_ip": {"max": 100, "window_seconds": 60},
    "share_user": {"max": 60, "window_seconds": 60},
}

FAILURE_MODES = ("database", "open", "closed")


# Values read so far: the ban check and route guards ask for several on every request, and each read through
# Django's lazy settings object costs more than the dict lookup. A changed setting (override_settings, the
# settings fixture) is forgotten at once, so values are still read at call time as far as callers can tell.
_values: dict[str, Any] = {}


def _get(name: str, default: Any) -> Any:
    if name in _values:
        return _values[name]
    value = _values[name] = getattr(settings, name, default)
    return value


@receiver(setting_changed)
def _forget(*, setting: str, **_kwargs) -> None:
    _values.pop(setting, None)


# --- parsers for env values (LibreChat's rules; used by chatmon/settings/violations.py) -------------------


def is_enabled(value: object) -> bool:
    """LibreChat's isEnabled: True only for a boolean True or a string equal to "true" (trimmed, any case)."""
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() == "true"


def parse_score(value: str | None, default: int) -> int:
    """Scores are coerced with JavaScript's unary plus: unset -> default, "" -> 0, "5" -> 5."""
    if value is None:
        return default
    text = value.strip()
    if not text:
        return 0
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"not a number: {value!r}") from None
    if not number.is_integer():
        raise ValueError(f"scores are whole numbers, got {value!r}")
    return int(number)


def parse_int_or_default(value: str | None, default: int) -> int:
    """parseInt(x) || default (uploads, import, fork, TTS, STT, share): 0, empty or invalid -> default."""
    match = re.match(r"\s*([+-]?\d+)", value or "")
    number = int(match.group(1)) if match else 0
    return number or default


# --- settings read at call time ---------------------------------------------------------------------------


def ban_enabled() -> bool:
    return bool(_get("VIOLATIONS_BAN_ENABLED", False))  # BAN_VIOLATIONS: bans and the ban check


def ban_interval() -> int:
    return int(_get("VIOLATIONS_BAN_INTERVAL", 20))  # BAN_INTERVAL: a ban fires when a multiple is crossed


def ban_duration_ms() -> int:
    return int(_get("VIOLATIONS_BAN_DURATION_MS", 7_200_000))  # BAN_DURATION; <= 0 is the soft ban


def score_ttl_ms() -> int:
    return int(_get("VIOLATIONS_SCORE_TTL_MS", 3_600_000))  # VIOLATION_SCORE_TTL; 0 = counters never expire


def score(violation_type: str) -> int:
    scores = _get("VIOLATIONS_SCORES", {})
    return int(scores.get(violation_type, DEFAULT_SCORES.get(violation_type, 1)))


def ban_sync_seconds() -> float:
    return float(_get("VIOLATIONS_BAN_SYNC_SECONDS", 2))  # how stale a process' in-memory ban view may get


def cache_failure() -> str:
    return _get("VIOLATIONS_CACHE_FAILURE", "database")  # ban check when Redis is down: database|open|closed


def limiter_failure() -> str:
    return _get("VIOLATIONS_LIMITER_FAILURE", "open")  # rate limiters when Redis is down: open|closed


def exempt_staff() -> bool:
    return bool(_get("VIOLATIONS_BAN_EXEMPT_STAFF", True))  # staff and superusers are never auto-banned


def exempt_user_ids() -> set[str]:
    return {str(pk) for pk in _get("VIOLATIONS_BAN_EXEMPT_USER_IDS", ())}


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def exempt_networks() -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return _networks(tuple(_get("VIOLATIONS_BAN_EXEMPT_IPS", ())))  # BAN_EXEMPT_IPS: IPs and CIDRs


def trusted_proxies() -> int | tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """TRUSTED_PROXIES: a hop count, or proxy IPs/CIDRs; 0 or empty = trust no X-Forwarded-For."""
    value = _get("VIOLATIONS_TRUSTED_PROXIES", 0)
    if isinstance(value, int):
        return value
    return _networks(tuple(value))


def rate_limit(name: str, *, user=None) -> dict[str, Any]:
    """One limiter's effective settings: LibreChat's defaults overlaid with VIOLATIONS_RATE_LIMITS[name], then
    with `user`'s own `max` and `window_seconds` when VIOLATIONS_RATE_LIMIT_OVERRIDE names a callable that
    has some for them (a group policy); only per-user limiters pass a user."""
    merged = {"enabled": True, "score": None} | DEFAULT_RATE_LIMITS[name]
    merged |= _get("VIOLATIONS_RATE_LIMITS", {}).get(name, {})
    path = _get("VIOLATIONS_RATE_LIMIT_OVERRIDE", "")  # dotted `f(name, user) -> {"max", "window_seconds"} | None`
    if user is not None and path:
        merged |= import_string(path)(name, user) or {}
    return merged


def route_limiters() -> dict[str, list[str]]:
    return _get("VIOLATIONS_ROUTE_LIMITERS", {})  # URL name -> limiter names applied by the guard middleware


def concurrent_enabled() -> bool:
    return bool(_get("VIOLATIONS_CONCURRENT_ENABLED", False))  # LIMIT_CONCURRENT_MESSAGES


def concurrent_max() -> int:
    return max(int(_get("VIOLATIONS_CONCURRENT_MAX", 2)), 1)  # CONCURRENT_MESSAGE_MAX, at least 1


def concurrent_url_names() -> list[str]:
    return _get("VIOLATIONS_CONCURRENT_URL_NAMES", [])  # routes that start a generation


def streaming_url_names() -> list[str]:
    return _get("VIOLATIONS_STREAMING_URL_NAMES", [])  # routes whose errors are LibreChat-style SSE


def login_url_names() -> list[str]:
    return _get("VIOLATIONS_LOGIN_URL_NAMES", [])  # routes where a banned user is refused before auth


def login_fields() -> list[str]:
    return _get("VIOLATIONS_LOGIN_FIELDS", ["username", "email"])  # posted fields naming the user


def non_browser_url_names() -> list[str]:
    return _get("VIOLATIONS_NON_BROWSER_URL_NAMES", [])  # routes that refuse non-browser user agents


@lru_cache(maxsize=8)
def _patterns(entries: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(entry, re.IGNORECASE) for entry in entries)


def non_browser_allowlist() -> tuple[re.Pattern[str], ...]:
    return _patterns(tuple(_get("VIOLATIONS_NON_BROWSER_ALLOWLIST", ())))  # user agents let through


def redis_url() -> str:
    """VIOLATIONS_REDIS_URL, else the default cache's location (chatmon's REDIS_URL)."""
    url = _get("VIOLATIONS_REDIS_URL", "")
    if url:
        return url
    location = settings.CACHES.get("default", {}).get("LOCATION", "")
    return location[0] if isinstance(location, (list, tuple)) else location


def key_prefix() -> str:
    """Redis key prefix: VIOLATIONS_KEY_PREFIX, else the default cache's KEY_PREFIX plus ":violations"."""
    prefix = _get("VIOLATIONS_KEY_PREFIX", "")
    if prefix:
        return prefix
    cache_prefix = settings.CACHES.get("default", {}).get("KEY_PREFIX", "")
    return f"{cache_prefix}:violations" if cache_prefix else "violations"


def redis_timeout() -> float:
    return float(_get("VIOLATIONS_REDIS_TIMEOUT", 0.5))  # seconds; an outage must not stall requests
