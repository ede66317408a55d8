"""violations: LibreChat's env names mapped onto VIOLATIONS_* settings, with LibreChat's parsing rules.

Garbage in a value either takes LibreChat's fallback (BAN_DURATION/BAN_INTERVAL/CONCURRENT_* through math(),
the parseInt(x) || default limiters) or stops startup with ImproperlyConfigured naming the variable.
"""

from __future__ import annotations

import ipaddress
import os
import re

from django.core.exceptions import ImproperlyConfigured

from chatmon.settings.env import env
from violations.conf import (
    DEFAULT_RATE_LIMITS,
    DEFAULT_SCORES,
    FAILURE_MODES,
    is_enabled,
    parse_int_or_default,
    parse_math,
    parse_score,
)


def _raw(name: str) -> str | None:
    return os.environ.get(name)


def _checked(name: str, parse, *args):
    try:
        return parse(*args)
    except (ValueError, re.error) as exc:
        raise ImproperlyConfigured(f"{name}={_raw(name)!r} is not valid: {exc}") from None


def _raw_int(name: str, default: int | str) -> int:
    """Login, register, reset-password and verify-email take the value as is (0 stays 0); garbage stops."""
    value = _raw(name)
    text = str(default) if value is None or not value.strip() else value
    return _checked(name, lambda: int(float(text.strip())))


def _window_seconds(name: str, default_minutes: int | float) -> float:
    value = (_raw(name) or "").strip()
    minutes = _checked(name, float, value) if value else default_minutes
    if minutes <= 0:
        raise ImproperlyConfigured(f"{name} must be a positive number of minutes, got {_raw(name)!r}")
    return minutes * 60


def _score(name: str, default: int) -> int:
    return _checked(name, parse_score, _raw(name), default)


# --- bans and scores --------------------------------------------------------------------------------------
VIOLATIONS_BAN_ENABLED = is_enabled(_raw("BAN_VIOLATIONS"))
VIOLATIONS_BAN_INTERVAL = parse_math(_raw("BAN_INTERVAL"), 20)
VIOLATIONS_BAN_DURATION_MS = int(parse_math(_raw("BAN_DURATION"), 7_200_000))
VIOLATIONS_SCORE_TTL_MS = int(parse_math(_raw("VIOLATION_SCORE_TTL"), 3_600_000))
VIOLATIONS_BAN_SYNC_SECONDS = env.float("VIOLATIONS_BAN_SYNC_SECONDS", default=2.0)
VIOLATIONS_CACHE_FAILURE = env.str("VIOLATIONS_CACHE_FAILURE", default="database")
VIOLATIONS_LIMITER_FAILURE = env.str("VIOLATIONS_LIMITER_FAILURE", default="open")
if VIOLATIONS_CACHE_FAILURE not in FAILURE_MODES or VIOLATIONS_LIMITER_FAILURE not in ("open", "closed"):
    raise ImproperlyConfigured(
        "VIOLATIONS_CACHE_FAILURE is database|open|closed; VIOLATIONS_LIMITER_FAILURE open|closed"
    )

_SCORE_ENV = {
    "logins": "LOGIN_VIOLATION_SCORE",
    "registrations": "REGISTRATION_VIOLATION_SCORE",
    "reset_password_limit": "RESET_PASSWORD_VIOLATION_SCORE",
    "verify_email_limit": "VERIFY_EMAIL_VIOLATION_SCORE",
    "message_limit": "MESSAGE_VIOLATION_SCORE",
    "non_browser": "NON_BROWSER_VIOLATION_SCORE",
    "illegal_model_request": "ILLEGAL_MODEL_REQ_SCORE",
    "convo_access": "CONVO_ACCESS_VIOLATION_SCORE",
    "tool_call_limit": "TOOL_CALL_VIOLATION_SCORE",
    "file_upload_limit": "FILE_UPLOAD_VIOLATION_SCORE",
    "tts_limit": "TTS_VIOLATION_SCORE",
    "stt_limit": "STT_VIOLATION_SCORE",
    "share_limit": "SHARE_VIOLATION_SCORE",
    "spend_anomaly": "SPEND_ANOMALY_VIOLATION_SCORE",
}
VIOLATIONS_SCORES = {kind: _score(name, DEFAULT_SCORES[kind]) for kind, name in _SCORE_ENV.items()}
VIOLATIONS_SCORES["concurrent"] = int(parse_math(_raw("CONCURRENT_VIOLATION_SCORE"), 1))

# Staff and superusers are never auto-banned; BAN_EXEMPT_IPS (IPs/CIDRs) and user ids neither.
VIOLATIONS_BAN_EXEMPT_STAFF = env.bool("VIOLATIONS_BAN_EXEMPT_STAFF", default=True)
VIOLATIONS_BAN_EXEMPT_IPS = env.list("BAN_EXEMPT_IPS", default=[])
VIOLATIONS_BAN_EXEMPT_USER_IDS = env.list("BAN_EXEMPT_USER_IDS", default=[])
for _entry in VIOLATIONS_BAN_EXEMPT_IPS:
    _checked("BAN_EXEMPT_IPS", ipaddress.ip_network, _entry, False)


def _trusted_proxies() -> int | list[str]:
    """TRUSTED_PROXIES: a hop count ("1") or comma-separated proxy IPs/CIDRs; unset = trust nobody."""
    value = (_raw("TRUSTED_PROXIES") or "").strip()
    if not value or re.fullmatch(r"\d+", value):
        return int(value or 0)
    entries = [entry.strip() for entry in value.split(",") if entry.strip()]
    for entry in entries:
        _checked("TRUSTED_PROXIES", ipaddress.ip_network, entry, False)
    return entries


VIOLATIONS_TRUSTED_PROXIES = _trusted_proxies()

# --- rate limiters ----------------------------------------------------------------------------------------
_login_max = _raw_int("LOGIN_MAX", 7)
_login_window = _window_seconds("LOGIN_WINDOW", 5)
_reset_max = _raw_int("RESET_PASSWORD_MAX", 2)
_reset_window = _window_seconds("RESET_PASSWORD_WINDOW", 2)


def _ip_user(prefix: str, name: str, score_env: str | None = None) -> dict[str, dict]:
    """{P}_IP_MAX/_WINDOW and {P}_USER_MAX/_WINDOW with parseInt(x) || default: 0 or garbage -> default."""
    limits = {}
    for scope in ("ip", "user"):
        default = DEFAULT_RATE_LIMITS[f"{name}_{scope}"]
        up = scope.upper()
        limits[f"{name}_{scope}"] = {
            "max": parse_int_or_default(_raw(f"{prefix}_{up}_MAX"), default["max"]),
            "window_seconds": 60 * parse_int_or_default(_raw(f"{prefix}_{up}_WINDOW"), default["window_seconds"] // 60),
        }
        if score_env and _raw(score_env) is not None:
            limits[f"{name}_{scope}"]["score"] = _score(score_env, 1)
    return limits


VIOLATIONS_RATE_LIMITS = {
    "login": {"max": _login_max, "window_seconds": _login_window},
    "two_factor": {
        "max": _raw_int("TWO_FACTOR_TEMP_MAX", _login_max),
        "window_seconds": _window_seconds("TWO_FACTOR_TEMP_WINDOW", _login_window / 60),
        "score": _score("TWO_FACTOR_TEMP_VIOLATION_SCORE", VIOLATIONS_SCORES["logins"]),
    },
    "register": {"max": _raw_int("REGISTER_MAX", 5), "window_seconds": _window_seconds("REGISTER_WINDOW", 60)},
    "reset_password": {"max": _reset_max, "window_seconds": _reset_window},
    "reset_password_submission": {
        "max": _raw_int("RESET_PASSWORD_SUBMISSION_MAX", _reset_max),
        "window_seconds": _window_seconds("RESET_PASSWORD_SUBMISSION_WINDOW", _reset_window / 60),
        "score": _score("RESET_PASSWORD_SUBMISSION_VIOLATION_SCORE", VIOLATIONS_SCORES["reset_password_limit"]),
    },
    "verify_email": {
        "max": _raw_int("VERIFY_EMAIL_MAX", 2),
        "window_seconds": _window_seconds("VERIFY_EMAIL_WINDOW", 2),
    },
    "message_ip": {
        "max": _raw_int("MESSAGE_IP_MAX", 40),
        "window_seconds": _window_seconds("MESSAGE_IP_WINDOW", 1),
        "enabled": is_enabled(_raw("LIMIT_MESSAGE_IP")),
    },
    "message_user": {
        "max": _raw_int("MESSAGE_USER_MAX", 40),
        "window_seconds": _window_seconds("MESSAGE_USER_WINDOW", 1),
        "enabled": is_enabled(_raw("LIMIT_MESSAGE_USER")),
    },
    **_ip_user("FILE_UPLOAD", "file_upload"),
    **_ip_user("IMPORT", "import", "IMPORT_VIOLATION_SCORE"),
    **_ip_user("FORK", "fork", "FORK_VIOLATION_SCORE"),
    **_ip_user("TTS", "tts"),
    **_ip_user("STT", "stt"),
    **_ip_user("SHARE", "share"),
}

VIOLATIONS_CONCURRENT_ENABLED = is_enabled(_raw("LIMIT_CONCURRENT_MESSAGES"))
VIOLATIONS_CONCURRENT_MAX = max(int(parse_math(_raw("CONCURRENT_MESSAGE_MAX"), 2)), 1)

# Routes where a banned user is refused before authentication (a chat app adds its own login route).
VIOLATIONS_LOGIN_URL_NAMES = ["admin:login"]
# Mobile apps and API clients that are not browsers but are welcome (regular expressions, comma-separated).
VIOLATIONS_NON_BROWSER_ALLOWLIST = env.list("ALLOW_NON_BROWSER_USER_AGENTS", default=[])
for _pattern in VIOLATIONS_NON_BROWSER_ALLOWLIST:
    _checked("ALLOW_NON_BROWSER_USER_AGENTS", re.compile, _pattern)

# Violation details are redacted with the same rules as the logs (LibreChat's redactMessage, sensitive keys).
VIOLATIONS_DETAILS_REDACTOR = env.str("VIOLATIONS_DETAILS_REDACTOR", default="chatmon.logging.redact_value")
