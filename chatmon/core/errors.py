"""API error responses for routes under /api/: LibreChat's ErrorController shapes, plus the request id.

- `ApiError` (LibreChat's createCustomError): its own status and body, sent as given.
- Django's ValidationError: 400 `{messages, fields}`, both JSON strings as LibreChat sends them.
- A unique-constraint IntegrityError: 409 naming the fields (never their values).
- Anything else: 500 "An unknown error occurred.", logged once with its (redacted) stack and counted.
HTML routes keep Django's own pages; their unhandled exceptions are counted here and logged by Django.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation, ValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

from chatmon.core import context
from chatmon.logging import conf
from chatmon.logging.metrics import UNHANDLED_EXCEPTIONS, exception_label

logger = logging.getLogger("chatmon.errors")

UNKNOWN_ERROR = "An unknown error occurred."
# Exceptions Django itself turns into 4xx pages: not "unhandled", never counted as such.
_CLIENT_ERRORS: dict[type[Exception], tuple[int, str]] = {
    Http404: (404, "Not found."),
    PermissionDenied: (403, "Forbidden."),
    BadRequest: (400, "Bad request."),
    SuspiciousOperation: (400, "Bad request."),
}
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?P<columns>[\w.,\s]+)")
_POSTGRES_UNIQUE = re.compile(r"duplicate key value violates unique constraint.*?Key \((?P<columns>[^)]+)\)=", re.S)


class ApiError(Exception):
    """An error that carries its own HTTP status and body (LibreChat's custom error)."""

    def __init__(self, status: int, body: Any = None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body if body is not None else {"message": f"HTTP {status}"}

    @classmethod
    def with_message(cls, status: int, message: str) -> ApiError:
        """LibreChat's createCustomError(status, message): body `{message}`."""
        return cls(status, {"message": message})


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return match.route if match and match.route else "<unmatched>"


def handle_exception(request: HttpRequest, error: Exception) -> HttpResponse | None:
    """A JSON response for an API route, or None to let Django render its page (HTML routes)."""
    handled = (ApiError, ValidationError, *_CLIENT_ERRORS)
    unhandled = not isinstance(error, handled) and _unique_fields(error) is None
    if unhandled:
        UNHANDLED_EXCEPTIONS.labels(exception=exception_label(error), route=route_of(request)).inc()
    if not request.path.startswith(conf.api_prefix()):
        return None
    if unhandled:
        logger.error("Unhandled exception on %s %s", request.method, route_of(request), exc_info=error)
        response = _json(500, {"message": UNKNOWN_ERROR})
    else:
        response = _client_error_response(error)
    # We logged it (or it is the caller's mistake): Django must not log the response a second time.
    request.chatmon_error_logged = True
    return response


class LoggedHere(logging.Filter):
    """Drops Django's own line for a response handle_exception made ("Internal Server Error: /api/...",
    "Bad Request: ..."), which Django's handler writes for every 4xx and 5xx response on `django.request`.

    Django skips a response that carries its private `_has_been_logged` marker; a filter on its logger is the
    public way, keyed on our own marker on the request (the record's `request`).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(getattr(record, "request", None), "chatmon_error_logged", False)


_LOGGED_HERE = LoggedHere()


def install_log_filter() -> None:
    """Called from the app's ready(). A logger's filters outlive later logging.config.dictConfig calls; adding
    the same instance twice is a no-op."""
    logging.getLogger("django.request").addFilter(_LOGGED_HERE)


def _client_error_response(error: Exception) -> HttpResponse:
    if isinstance(error, ApiError):
        return _json(error.status, error.body)
    if isinstance(error, ValidationError):
        logger.info("Validation error: %s", error.messages)
        return _json(400, validation_body(error))
    fields = _unique_fields(error)
    if fields is not None:
        logger.warning("Duplicate key error on %s", fields)
        return _json(409, duplicate_body(fields))
    status, message = next(pair for kind, pair in _CLIENT_ERRORS.items() if isinstance(error, kind))
    return _json(status, {"message": message})


def validation_body(error: ValidationError) -> dict:
    """`fields` is the JSON list of field names; `messages` the JSON list, or all joined when several."""
    if hasattr(error, "error_dict"):
        fields = list(error.error_dict)
        messages = [message for field_errors in error.message_dict.values() for message in field_errors]
    else:
        fields, messages = [], list(error.messages)
    joined = " ".join(messages) if len(messages) > 1 else messages
    return {"messages": json.dumps(joined), "fields": json.dumps(fields)}


def duplicate_body(fields: list[str]) -> dict:
    names = json.dumps(fields) if fields else json.dumps("unknown")
    return {"messages": f"An document with that {names} already exists.", "fields": names}


def _unique_fields(error: Exception) -> list[str] | None:
    """Column names of a unique-constraint violation ([] when unnamed), None for any other error."""
    if not isinstance(error, IntegrityError):
        return None
    text = str(error)
    match = _SQLITE_UNIQUE.search(text) or _POSTGRES_UNIQUE.search(text)
    if match:
        return [column.strip().rsplit(".", 1)[-1] for column in match.group("columns").split(",")]
    return [] if "unique" in text.lower() else None


def _json(status: int, body: Any) -> HttpResponse:
    request_id = context.request_id()
    if isinstance(body, dict):
        body = {**body, "request_id": request_id}
        return JsonResponse(body, status=status)
    if isinstance(body, str):
        return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")
    return JsonResponse(body, status=status, safe=False)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the API's JSON 500 whatever raised (a middleware too, where process_exception never runs);
    Django's own page on HTML routes."""
    if request.path.startswith(conf.api_prefix()):
        return _json(500, {"message": UNKNOWN_ERROR})
    return defaults.server_error(request)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: JSON for API paths that match no route, Django's page elsewhere."""
    if request.path.startswith(conf.api_prefix()):
        return _json(404, {"message": "Not found."})
    return defaults.page_not_found(request, exception)
