"""DRF pieces every API view uses: API-key authentication, the scope check and the per-key rate limit."""

from __future__ import annotations

import logging
import time

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.throttling import BaseThrottle

from chatmon.api import keys, metrics
from chatmon.core.outage import ERRORS, Outage

logger = logging.getLogger(__name__)

# Logs a Redis outage once, at its start and end, rather than once per API request.
rate_limit_outage = Outage("api: rate limit", logger)

KEY_HEADER = "X-API-Key"


def _secret(request) -> str | None:
    """The key from `Authorization: Bearer <key>` or `X-API-Key: <key>`; None when neither is sent.

    Read from META: the first use of request.headers builds a dict of every header, about a tenth of the CPU
    a spend request spent in DRF."""
    scheme, _, value = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.META.get("HTTP_X_API_KEY", "").strip() or None


class ApiKeyAuthentication(BaseAuthentication):
    """request.auth is the ApiKey; request.user stays anonymous (the key acts for a chat app, not a person)."""

    def authenticate(self, request):
        secret = _secret(request)
        if secret is None:
            return None
        key = keys.authenticate(secret)
        if key is None:
            metrics.AUTH_FAILURES.labels(reason="invalid_key").inc()
            raise exceptions.AuthenticationFailed("Invalid, revoked or expired API key.")
        return AnonymousUser(), key

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (not 403) to a request without a key.
        return 'Bearer realm="chatmon-api"'


class HasScope(BasePermission):
    """The view's `required_scope` must be among the key's scopes."""

    def has_permission(self, request, view) -> bool:
        if request.auth is None:
            metrics.AUTH_FAILURES.labels(reason="no_key").inc()
            raise exceptions.NotAuthenticated("Send an API key: 'Authorization: Bearer <key>' or 'X-API-Key: <key>'.")
        if view.required_scope not in request.auth.scopes:
            metrics.AUTH_FAILURES.labels(reason="scope").inc()
            raise exceptions.PermissionDenied(f"This API key lacks the scope '{view.required_scope!s}'.")
        return True


class KeyRateThrottle(BaseThrottle):
    """Rule: a key makes at most its `rate_limit()` requests per calendar minute (fixed window shared by every
    process: INCR and EXPIRE NX in one pipelined round trip). Redis down: requests pass (an outage must not stop
    spends)."""

    def allow_request(self, request, view) -> bool:
        limit = request.auth.rate_limit()
        if not limit:
            return True
        now = time.time()
        self.retry_after = 60 - now % 60
        name = f"api:rate:{request.auth.prefix}:{int(now // 60)}"
        if not rate_limit_outage.should_try():
            return True
        try:
            hits = _count_hit(name)
        except ERRORS as exc:
            rate_limit_outage.failed(exc)
            return True
        rate_limit_outage.answered()
        if hits > limit:
            metrics.THROTTLED.inc()
            return False
        return True

    def wait(self) -> float:
        return self.retry_after


def _count_hit(name: str) -> int:
    """This minute's hits of a key, this one included; the counter outlives its minute by one (120 s)."""
    key = cache.make_and_validate_key(name)
    pipe = cache.client.get_client(write=True).pipeline(transaction=False)
    pipe.incr(key)
    pipe.expire(key, 120, nx=True)
    return int(pipe.execute()[0])


class ApiKeySchema(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes ApiKeyAuthentication (drf-spectacular finds it by subclassing)."""

    target_class = ApiKeyAuthentication
    name = "ApiKey"

    def get_security_definition(self, auto_schema) -> dict:
        return {"type": "http", "scheme": "bearer", "description": f"Or send the key in the {KEY_HEADER} header."}
