"""Runtime settings of chatmon.logging, read at call time so override_settings works.

The LOGGING dict itself (handlers, files, console format) is built once at start-up from the environment by
chatmon.settings.logs; the values here are the ones code reads while running.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

# Values read so far: the access log asks for three on every request, and each read through Django's lazy
# settings object costs more than the dict lookup. A changed setting (override_settings) is forgotten at once.
_values: dict[str, Any] = {}


def _get(name: str, default: Any) -> Any:
    if name in _values:
        return _values[name]
    # Logging runs before and outside Django (Celery start-up, management command parsing): never raise here.
    if not settings.configured:
        return default
    value = _values[name] = getattr(settings, name, default)
    return value


def json_string_length() -> int:
    """CONSOLE_JSON_STRING_LENGTH: JSON console strings longer than this are cut and end with '...'."""
    return int(_get("CONSOLE_JSON_STRING_LENGTH", 255))


def redaction_string_limit() -> int:
    """Redaction cuts strings longer than max(CONSOLE_JSON_STRING_LENGTH, 8192), as LibreChat does."""
    if _limit[0] is None:  # read once: redaction asks for every string of every record
        _limit[0] = max(json_string_length(), 8192)
    return _limit[0]


_limit: list[int | None] = [None]


@receiver(setting_changed)
def _forget(*, setting: str, **_kwargs) -> None:
    _values.pop(setting, None)
    if setting == "CONSOLE_JSON_STRING_LENGTH":  # override_settings in tests
        _limit[0] = None


def slow_query_ms() -> float:
    """SLOW_QUERY_MS: queries slower than this are logged at warn and counted."""
    return float(_get("SLOW_QUERY_MS", 500))


def access_log_enabled() -> bool:
    return bool(_get("CHATMON_ACCESS_LOG", True))


def access_log_excluded_routes() -> tuple[str, ...]:
    """URL names whose requests are not access-logged (probes and scrapes would drown real traffic)."""
    return tuple(_get("CHATMON_ACCESS_LOG_EXCLUDE", ("healthz", "health", "metrics")))


def client_ip_resolver() -> str:
    """Dotted path of `client_ip(request) -> str | None` (violations owns proxy-aware resolution)."""
    return str(_get("CHATMON_CLIENT_IP_RESOLVER", "violations.clientip.client_ip"))


def api_prefix() -> str:
    """Requests under this path get JSON error bodies (LibreChat's shapes) instead of Django's HTML pages."""
    return str(_get("CHATMON_API_PREFIX", "/api/"))
