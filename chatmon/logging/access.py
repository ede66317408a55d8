"""The access log: one line per request at level HTTP on the `chatmon.access` logger."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

from chatmon.logging import conf
from chatmon.logging.levels import HTTP
from chatmon.logging.redaction import redact_path

logger = logging.getLogger("chatmon.access")


@functools.cache
def _resolver(dotted_path: str) -> Callable[[HttpRequest], str | None] | None:
    # violations owns proxy-aware client IP resolution; chatmon must not depend on it being installed.
    try:
        return import_string(dotted_path)
    except ImportError:
        return None


def client_ip(request: HttpRequest) -> str:
    resolve = _resolver(conf.client_ip_resolver())
    ip = resolve(request) if resolve is not None else None
    return ip or request.META.get("REMOTE_ADDR", "")


def excluded(request: HttpRequest) -> bool:
    match = request.resolver_match
    return not conf.access_log_enabled() or bool(match and match.url_name in conf.access_log_excluded_routes())


def log_request(
    request: HttpRequest, response: HttpResponse, *, route: str, user_id: str, request_id: str, duration_ms: float
) -> None:
    """method, route template (the redacted path when nothing matched), status, duration, bytes, user id, client IP.

    A streaming response is logged when it closes, outside the request's context (hence `request_id`); its
    bytes are those request monitoring counted (`request.chatmon_bytes_sent`), or unknown without it."""
    if not logger.isEnabledFor(HTTP) or excluded(request):
        return
    size = getattr(request, "chatmon_bytes_sent", None) if response.streaming else len(response.content)
    # An unmatched path is the client's text (scanners, links with tokens in them): logged redacted.
    where = route or redact_path(request.path)
    logger.log(
        HTTP,
        "%s %s %s %.1fms %sb",
        request.method,
        where,
        response.status_code,
        duration_ms,
        "-" if size is None else size,
        extra={
            "method": request.method,
            "status": response.status_code,
            "duration_ms": round(duration_ms, 1),
            "bytes": size,
            "client_ip": client_ip(request),
            "route": where,
            "user_id": user_id,
            "request_id": request_id,
        },
    )
