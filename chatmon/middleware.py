"""Request context: request id (honouring X-Request-ID), start time, user and route for logs and metrics."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from chatmon import context

REQUEST_ID_HEADER = "X-Request-ID"


class RequestContextMiddleware:
    """Sets chatmon.context for the request and echoes the request id in the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ctx = context.RequestContext(request_id=context.new_request_id(request.headers.get(REQUEST_ID_HEADER)))
        request.request_id = ctx.request_id
        request.chatmon_started = time.perf_counter()
        token = context.current.set(ctx)
        try:
            response = self.get_response(request)
        finally:
            context.current.reset(token)
        response[REQUEST_ID_HEADER] = ctx.request_id
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        ctx = context.current.get()
        if ctx is None:
            return
        match = request.resolver_match
        ctx.route = match.route if match else ""
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            ctx.user_id = str(user.pk)
