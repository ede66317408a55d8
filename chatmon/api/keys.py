"""API key services: create (the key is returned once, only its hash is kept), revoke, authenticate."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from rest_framework_api_key.crypto import KeyGenerator

from auditlog.actions import register_action
from auditlog.services import record
from chatmon.api import conf, sources
from chatmon.api.models import ApiKey, Scope
from chatmon.core.recent import RecentAnswers

KEY_CREATED = register_action("api.key_created", "API key created")
KEY_REVOKED = register_action("api.key_revoked", "API key revoked")
# last_used_at is written at most this often per key: one UPDATE a minute, not one per request.
TOUCH_EVERY = timedelta(seconds=60)

_generator = KeyGenerator()


def create_key(
    *,
    name: str,
    scopes: list[str],
    source: str | None = None,
    rate_limit_per_minute: int | None = None,
    expires_at: datetime | None = None,
    created_by=None,
) -> tuple[ApiKey, str]:
    """A new key and its secret text ("<prefix>.<secret>"), which is not stored and cannot be shown again."""
    unknown = sorted(set(scopes) - set(Scope.values))
    if unknown:
        raise ValueError(f"unknown scopes {unknown}; known: {sorted(Scope.values)}")
    if source:
        sources.validate_source(source)  # django.core.exceptions.ValidationError, as in the admin's form
    secret, prefix, hashed = _generator.generate()
    key = ApiKey(
        name=name,
        prefix=prefix,
        hashed_key=hashed,
        scopes=sorted(set(scopes)),
        rate_limit_per_minute=rate_limit_per_minute,
        expires_at=expires_at,
        created_by=created_by,
    )
    if source:
        key.source = source
    with transaction.atomic():
        key.save()
        record(action=KEY_CREATED, actor=created_by, target=key, metadata={"name": name, "scopes": key.scopes})
    return key, secret


def revoke_key(key: ApiKey, *, actor=None) -> bool:
    """Revoke for good; False when the key was already revoked."""
    now = timezone.now()
    with transaction.atomic():
        if not ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=now):
            return False
        key.revoked_at = now
        verified.clear()  # this process stops at once; others when their memory of the key expires
        record(action=KEY_REVOKED, actor=actor, target=key, metadata={"name": key.name})
    return True


# Keys this process verified lately, by a digest of their secret (conf.key_memory_seconds()).
verified = RecentAnswers(conf.key_memory_seconds, max_entries=1000)


def authenticate(secret: str) -> ApiKey | None:
    """The usable key whose secret this is, or None (unknown, wrong, revoked or expired)."""
    digest = hashlib.sha256(secret.encode()).digest()
    key = verified.get(digest)
    if key is None:
        key = _lookup(secret)
        if key is None:
            return None
        verified.put(digest, key)
    if not key.usable():  # expired since it was remembered
        return None
    _touch(key)
    return key


def _lookup(secret: str) -> ApiKey | None:
    prefix, dot, _ = secret.partition(".")
    if not dot:
        return None
    key = ApiKey.objects.filter(prefix=prefix).first()
    if key is None or not _generator.verify(secret, key.hashed_key) or not key.usable():
        return None
    return key


def _touch(key: ApiKey) -> None:
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= TOUCH_EVERY:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
