"""Error bodies of the API, in chatmon's convention (chatmon/errors.py): `{"message", "request_id"}` with the
request id also in the X-Request-ID header, plus `errors: [{"field", "message"}]` naming each bad field by
its path (`items[2].model`). 400: the body does not match the schema; 422: the values were understood but
refused (the ledger's limits, a reused Idempotency-Key); 401/403: key and scope; 413: body too large."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from chatmon.core import context
from ledger.validation import LedgerInputError


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "The request was understood but cannot be processed."

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def field_errors(detail: Any, path: str = "") -> list[dict[str, str]]:
    """DRF's nested error detail as a flat list of {"field": "items[0].model", "message": "..."}."""
    if isinstance(detail, dict):
        return [
            error
            for name, inner in detail.items()
            for error in field_errors(inner, path if name == "non_field_errors" else _join(path, name))
        ]
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [{"field": path, "message": str(item)} for item in detail]
        return [error for index, item in enumerate(detail) for error in field_errors(item, f"{path}[{index}]")]
    return [{"field": path, "message": str(detail)}]


def _join(path: str, name: Any) -> str:
    return f"{path}.{name}" if path else str(name)


def body(message: str, errors: list[dict[str, str]] | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"message": message, "request_id": context.request_id()}
    if errors:
        result["errors"] = errors
    return result


def _translated(exc: Exception) -> Exception:
    if isinstance(exc, LedgerInputError):
        return Unprocessable(str(exc))
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    return exc


def describe(exc: Exception) -> tuple[int, dict[str, Any]] | None:
    """(status, body) for an error the caller caused; None for anything else (a bug: chatmon answers 500)."""
    exc = _translated(exc)
    if isinstance(exc, exceptions.ValidationError):
        return exc.status_code, body("Invalid input.", field_errors(exc.detail))
    if isinstance(exc, Unprocessable) and exc.field:
        return exc.status_code, body(str(exc.detail), [{"field": exc.field, "message": str(exc.detail)}])
    if isinstance(exc, exceptions.APIException):
        return exc.status_code, body(str(exc.detail))
    return None


def exception_handler(exc: Exception, ctx: dict) -> Response | None:
    """DRF's handler (for its headers: Retry-After, WWW-Authenticate) with our body."""
    described = describe(exc)
    if described is None:
        return None
    response = drf_exception_handler(_translated(exc), ctx)
    response.status_code, response.data = described
    return response
