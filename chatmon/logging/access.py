"""The access log: one line per request at level HTTP on the `chatmon.access` logger."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

from chatmon.logging import conf
from chatmon.logging.levels import HTTP
from chatmon.logging.redaction import redact_path

logger = logging.getLogger("chatmon.access")
_THIS_FILE = __file__  # what logger.log() would name as the caller's file (its code's co_filename)


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


def _handled() -> bool:
    """Whether a handler would write a line at level HTTP: the logger's level lets it through by default, but
    with production's defaults no handler takes it (console at info, files at error; the debug file is off), and
    a record built for nobody cost about as much as the rest of chatmon's middleware together
    (bench/middleware_instructions.py). Handlers are looked up each time, as logging does, so one added later
    (a test's capture, a reconfiguration) gets its lines."""
    current: logging.Logger | None = logger
    while current is not None:
        for handler in current.handlers:
            if handler.level <= HTTP:
                return True
        current = current.parent if current.propagate else None
    return False


def wanted(request: HttpRequest) -> bool:
    """Whether `request` gets an access line: checked before anything is measured or built for it."""
    return logger.isEnabledFor(HTTP) and not excluded(request) and _handled()


def log_request(
    request: HttpRequest, response: HttpResponse, *, route: str, user_id: str, request_id: str, duration_ms: float
) -> None:
    """method, route template (the redacted path when nothing matched), status, duration, bytes, user id, client IP.

    A streaming response is logged when it closes, outside the request's context (hence `request_id`); its
    bytes are those request monitoring counted (`request.chatmon_bytes_sent`), or unknown without it.
    The caller has checked `wanted(request)`."""
    size = getattr(request, "chatmon_bytes_sent", None) if response.streaming else len(response.content)
    # An unmatched path is the client's text (scanners, links with tokens in them): logged redacted.
    where = route or redact_path(request.path)
    extra = {
        "method": request.method,
        "status": response.status_code,
        "duration_ms": round(duration_ms, 1),
        "bytes": size,
        "client_ip": client_ip(request),
        "route": where,
        "user_id": user_id,
        "request_id": request_id,
    }
    args = (request.method, where, response.status_code, duration_ms, "-" if size is None else size)
    # What logger.log() does, less its walk up the stack to find the caller, which is always this function: the
    # same record (this file, function and the line logging it, as logger.log would name them), the same handlers.
    line = sys._getframe().f_lineno
    record = logger.makeRecord(
        logger.name, HTTP, _THIS_FILE, line, "%s %s %s %.1fms %sb", args, None, "log_request", extra
    )
    logger.handle(record)
