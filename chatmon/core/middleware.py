"""Request pipeline middleware: the request context (request id honouring X-Request-ID, start time, user and
route for logs and metrics, the access log line); anonymous callers settled after authentication; JSON error
responses for API routes (chatmon.core.errors). Their places in MIDDLEWARE are checked (chatmon.core.checks)."""

from __future__ import annotations

import contextvars
import time
from collections.abc import AsyncIterator, Callable, Iterator

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.functional import SimpleLazyObject

from chatmon.core import context, errors
from chatmon.logging import access, tracing

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_META = "HTTP_X_REQUEST_ID"  # read from META: request.headers would build a dict of every header


class _ClosingContent:
    """A streaming response's content, passed through untouched, with a close() that runs a hook.

    Django calls close() on the content it streams when the response is closed, which the server does when
    the body was sent in full, the client went away or iteration never started (the WSGI iterable's contract);
    it does so in the order the content was set, so a wrapper set later (further out) is told later. Wrapping
    the content is the simplest public way to be told: nothing to override, no private `_resource_closers`,
    and request monitoring's TimedStream is told the same way. Its iterator is the content's own (no step of
    ours per chunk); Django tries iter() and falls back to aiter() for an async response, as for any content.
    """

    def __init__(self, content: Iterator[bytes] | AsyncIterator[bytes], hook: Callable[[], None]) -> None:
        self.content = content
        self.hook = hook

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.content)

    def __aiter__(self) -> AsyncIterator[bytes]:
        return aiter(self.content)

    def close(self) -> None:
        self.hook()


def call_on_close(response: StreamingHttpResponse, hook: Callable[[], None]) -> None:
    """Runs `hook` when the server closes `response`, after the closers of content wrapped before (inside)."""
    response.streaming_content = _ClosingContent(response.streaming_content, hook)


def _user_id(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    return str(user.pk) if user is not None and user.is_authenticated else ""


def _log_access(request: HttpRequest, response: HttpResponse, ctx: context.RequestContext) -> None:
    if not access.wanted(request):  # probes and scrapes, or the line is off: nothing to measure or build
        return
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
                # Request monitoring (inside) wrapped the content first, so it has counted the bytes by then.
                # The server closes it outside the request's context: the line is written in a copy of it, so
                # that it carries the request's trace id.
                request_context = contextvars.copy_context()
                call_on_close(response, lambda: request_context.run(_log_access, request, response, ctx))
            else:
                _log_access(request, response, ctx)
        finally:
            context.current.reset(token)
        response[REQUEST_ID_HEADER] = ctx.request_id
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        # The first view middleware to run: the route and user are known from here on, for every later log line.
        # AnonymousCallerMiddleware has settled a cookie-less caller by now, so this reads no session for them.
        ctx = context.current.get()
        if ctx is None:
            return
        match = request.resolver_match
        ctx.route = match.route if match else ""
        ctx.user_id = _user_id(request)
        tracing.name_server_span(request, ctx.route)


class AnonymousCallerMiddleware:
    """A request without a session key is anonymous: say so before anyone asks. Put it right after
    AuthenticationMiddleware (check chatmon.W008).

    AuthenticationMiddleware leaves request.user lazy; the first look (the request context's, the ban check's,
    the balance sync's, a view's) would go through the auth backend and the session to learn that an empty
    session holds no user, and mark the session accessed (so the response would vary on Cookie for nothing).
    Only Django's own lazy user is replaced: a user set by another middleware (remote user, a token) is left
    alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        djangos_lazy_user = type(request.__dict__.get("user")) is SimpleLazyObject
        if djangos_lazy_user and session is not None and session.session_key is None:
            request.user = AnonymousUser()
        return self.get_response(request)


class ApiErrorMiddleware:
    """Turns a view's exception on an API route into LibreChat's JSON error shapes (chatmon.core.errors).

    Django offers a view's exception to each middleware's process_exception from the bottom of MIDDLEWARE up;
    this one sits above every other that has one (check chatmon.W010), so it is the last resort: another
    middleware's handler sees the exception first. Exceptions raised by middleware reach handler500 instead
    (errors.server_error), which answers API routes in the same JSON.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return errors.handle_exception(request, exception)
