"""Makes the current request available to audit events recorded without one (model tracking, signals)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from auditlog import context


class AuditlogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # context.request_scope(), without a generator-based context manager's cost on every request
        token = context.set_request(request)
        try:
            return self.get_response(request)
        finally:
            context.reset_request(token)
