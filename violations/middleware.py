"""Middleware: the ban check, and the route guards (rate limiters, non-browser check, concurrent generations)
for routes named in settings. Detection lives in services; these only turn a decision into a response."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator

from django.contrib.auth import get_user_model
from django.core.exceptions import MiddlewareNotUsed
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse

from violations import conf, guards, limiters, metrics, responses, services, store
from violations.banview import BanStoreUnavailable, view
from violations.clientip import client_ip
from violations.types import ViolationType


class _ReleasingContent:
    """A streaming response's content, passed through untouched, that gives the generation slot back on close().

    Django calls close() on the content it streams when the server closes the response (the WSGI iterable's
    contract): after the last byte, when the client went away, or when iteration never started. Wrapping the
    content is the simplest public way to be told (no private `_resource_closers`). chatmon's request context
    does the same; violations keeps its own copy because it must not import chatmon. Its iterator is the
    content's own (no step of ours per chunk); Django tries iter() and falls back to aiter() for an async
    response, as for any streaming content.
    """

    def __init__(self, content: Iterator[bytes] | AsyncIterator[bytes], user_id: object) -> None:
        self.content = content
        self.user_id = user_id

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.content)

    def __aiter__(self) -> AsyncIterator[bytes]:
        return aiter(self.content)

    def close(self) -> None:
        guards.release_generation(self.user_id)


def _authenticated(request: HttpRequest):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _login_user_keys(request: HttpRequest) -> list[str]:
    """The ban keys of the account a login POST names, so a banned user is refused before authenticating."""
    data = responses.request_data(request)
    names = [data[f] for f in conf.login_fields() if isinstance(data.get(f), str) and data[f].strip()]
    if not names:
        return []
    model = get_user_model()
    match = Q()
    for name in names:
        match |= Q(**{f"{model.USERNAME_FIELD}__iexact": name}) | Q(email__iexact=name)
    return [store.target(user_id=pk) for pk in model.objects.filter(match).values_list("pk", flat=True)[:5]]


class BanCheckMiddleware:
    """Refuses banned users and IPs from the process' in-memory ban view (no Redis round trip per request)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not conf.ban_enabled():
            raise MiddlewareNotUsed  # BAN_VIOLATIONS off: LibreChat skips checkBan entirely
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        name = request.resolver_match.view_name
        user = _authenticated(request)
        keys = [store.target(ip=client_ip(request))]
        if user is not None:
            keys.append(store.target(user_id=user.pk))
        elif request.method == "POST" and name in conf.login_url_names():
            keys += _login_user_keys(request)
        try:
            expiry = view.expiry(keys)
        except BanStoreUnavailable:
            return responses.unavailable("The ban service is unavailable; please try again shortly.")
        if expiry is None:
            return None
        metrics.BAN_REFUSALS.inc()
        return responses.banned(request, expiry, streaming=name in conf.streaming_url_names())


class RouteGuardMiddleware:
    """Applies VIOLATIONS_ROUTE_LIMITERS, the non-browser check and the concurrent-generation limit to the
    routes named in settings, so a chat app gets them without touching its views."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = limiters.add_quota_headers(request, self.get_response(request))
        user_id = getattr(request, "_violations_slot", None)
        if user_id is not None:
            if response.streaming:
                # The generation lasts until the stream ends or the client goes away; both close the response.
                response.streaming_content = _ReleasingContent(response.streaming_content, user_id)
            else:
                guards.release_generation(user_id)
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        name = request.resolver_match.view_name
        if name in conf.non_browser_url_names():
            refused = self._non_browser(request, name)
            if refused is not None:
                return refused
        refused = limiters.guard(request, conf.route_limiters().get(name, ()))
        if refused is not None:
            return refused
        if conf.concurrent_enabled() and request.method == "POST" and name in conf.concurrent_url_names():
            return self._take_slot(request)
        return None

    def _non_browser(self, request: HttpRequest, name: str) -> HttpResponse | None:
        user_agent = request.headers.get("User-Agent", "")
        if guards.non_browser_allowed(user_agent):
            return None
        services.log_violation(
            type=ViolationType.NON_BROWSER,
            user=_authenticated(request),
            ip=client_ip(request),
            details={"user_agent": user_agent[:300]},
            request_id=getattr(request, "request_id", ""),
        )
        if name in conf.streaming_url_names():
            return responses.sse_error(request, json.dumps({"message": "Illegal request"}))
        return JsonResponse({"message": "Illegal request"}, status=403)

    def _take_slot(self, request: HttpRequest) -> HttpResponse | None:
        user = _authenticated(request)
        if user is None:
            return None
        slot = guards.acquire_generation(user.pk)
        if slot.allowed:
            request._violations_slot = user.pk
            return None
        info = {
            "type": ViolationType.CONCURRENT.value,
            "limit": slot.limit,
            "pendingRequests": slot.pending,
            "score": conf.score(ViolationType.CONCURRENT),
        }
        outcome = services.log_violation(
            type=ViolationType.CONCURRENT,
            user=user,
            ip=client_ip(request),
            details=info,
            request_id=getattr(request, "request_id", ""),
        )
        if request.resolver_match.view_name in conf.streaming_url_names():
            # LibreChat's concurrentLimiter answers through denyRequest: an SSE error on chat routes.
            return responses.sse_error(request, json.dumps(info | outcome.fields()))
        return JsonResponse(info | outcome.fields(), status=429)
