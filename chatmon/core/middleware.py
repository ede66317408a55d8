"""Request context: request id (honouring X-Request-ID), start time, user and route for logs and metrics;
the access log line; JSON error responses for API routes (chatmon.core.errors)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from chatmon.core import context, errors
from chatmon.logging import access

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_META = "HTTP_X_REQUEST_ID"  # read from META: request.headers would build a dict of every header


def _user_id(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    return str(user.pk) if user is not None and user.is_authenticated else ""


def _settle_anonymous(request: HttpRequest) -> None:
    """A request without a session key is anonymous: say so before anyone asks.

    AuthenticationMiddleware leaves request.user lazy; the first look (ours, the ban check's, a view's) would
    go through the auth backend and the session to learn that an empty session holds no user, and mark the
    session accessed (so the response would vary on Cookie for nothing). Only Django's own lazy user is
    replaced: a user set by another middleware (remote user, a token) is left alone.
    """
    session = getattr(request, "session", None)
    if session is not None and session.session_key is None and type(request.__dict__.get("user")) is SimpleLazyObject:
        request.user = AnonymousUser()


def _log_access(request: HttpRequest, response: HttpResponse, ctx: context.RequestContext) -> None:
    duration_ms = (time.perf_counter() - request.chatmon_started) * 1000
    access.log_request(
        request, response, route=ctx.route, user_id=ctx.user_id, request_id=ctx.request_id, duration_ms=duration_ms
    )


class RequestContextMiddleware:
    """Sets chatmon.core.context for the request, echoes the request id and writes the access log line."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ctx = context.RequestContext(request_id=context.new_request_id(request.META.get(REQUEST_ID_META)))
        request.request_id = ctx.request_id
        request.chatmon_started = time.perf_counter()
        token = context.current.set(ctx)
        try:
            response = self.get_response(request)
            # A login or logout view changes the user during the request; the line names who it ended as.
            ctx.user_id = _user_id(request)
            if response.streaming:
                # Logged when the server closes the response: its duration and size are known only then.
                # Closers run in order, so request monitoring's (added inside) has counted the bytes by then.
                response._resource_closers.append(lambda: _log_access(request, response, ctx))
            else:
                _log_access(request, response, ctx)
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
        _settle_anonymous(request)
        ctx.user_id = _user_id(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return errors.handle_exception(request, exception)
