"""Makes the current request available to audit events recorded without one (model tracking, signals)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from auditlog.context import request_scope


class AuditlogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with request_scope(request):
            return self.get_response(request)
