"""Idempotency-Key on writes: the first request's response is stored with its work, a replay gets it back.

The work and the stored response commit in one database transaction, so either both exist or neither:
a replay after a crash re-runs work that never committed, and never repeats work that did. Two requests
with one key at once: the second one's insert of the stored response conflicts (on PostgreSQL it waits for
the first to commit), its own work is rolled back, and it answers with the first one's response.
Only 2xx responses are stored; an error leaves nothing, so the caller may fix the request and retry.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from chatmon.api import conf, metrics
from chatmon.api.errors import Unprocessable
from chatmon.api.models import IdempotentResponse

HEADER = "Idempotency-Key"
HEADER_META = "HTTP_IDEMPOTENCY_KEY"  # read from META: request.headers would build a dict of every header
REPLAYED_HEADER = "Idempotent-Replayed"
_VALID_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")  # printable ASCII without spaces, like Stripe's keys


class _Conflict(Exception):
    """Another request stored a response for this key first: roll our work back and answer with theirs."""


def _fingerprint(request) -> str:
    canonical = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{canonical}".encode()).hexdigest()


def _replay(stored: IdempotentResponse, fingerprint: str) -> Response:
    if stored.fingerprint != fingerprint:
        raise Unprocessable(f"This {HEADER} was already used with a different request.", field=HEADER)
    metrics.IDEMPOTENT_REPLAYS.inc()
    return Response(json.loads(stored.body), status=stored.status_code, headers={REPLAYED_HEADER: "true"})


def _expired_before():
    return timezone.now() - timedelta(hours=conf.idempotency_ttl_hours())


def _stored(request, key: str) -> IdempotentResponse | None:
    rows = IdempotentResponse.objects.filter(api_key=request.auth, key=key, created_at__gte=_expired_before())
    return rows.first()


def run(request, work: Callable[[], Response]) -> Response:
    """`work()` once per (API key, Idempotency-Key); without the header, simply `work()`."""
    key = request.META.get(HEADER_META)
    if key is None:
        return work()
    if not _VALID_KEY.match(key):
        raise exceptions.ValidationError({HEADER: ["Use 1 to 255 printable ASCII characters without spaces."]})
    fingerprint = _fingerprint(request)
    stored = _stored(request, key)
    if stored is not None:
        return _replay(stored, fingerprint)
    try:
        with transaction.atomic():
            response = work()
            if 200 <= response.status_code < 300:
                _store(request, key, fingerprint, response)
    except _Conflict:
        return _replay(IdempotentResponse.objects.get(api_key=request.auth, key=key), fingerprint)
    return response


def _store(request, key: str, fingerprint: str, response: Response) -> None:
    # Stored as the client received it (DRF's JSON rendering), so a replay is byte-for-byte the same body.
    rendered = JSONRenderer().render(response.data).decode()
    # An expired row of this key is replaced: the key may be reused once its response has expired.
    IdempotentResponse.objects.filter(api_key=request.auth, key=key, created_at__lt=_expired_before()).delete()
    try:
        with transaction.atomic():
            IdempotentResponse.objects.create(
                api_key=request.auth, key=key, fingerprint=fingerprint, status_code=response.status_code, body=rendered
            )
    except IntegrityError as exc:
        raise _Conflict from exc


def prune() -> dict:
    """Delete stored responses past API_IDEMPOTENCY_TTL_HOURS (the beat job)."""
    deleted, _ = IdempotentResponse.objects.filter(created_at__lt=_expired_before()).delete()
    return {"deleted": deleted}
