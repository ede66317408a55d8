"""External users: callers name users by their own ids; each (source, external id) maps to one chatmon user.

A user first seen is created inactive, with no usable password (they sign in to the caller's app, never to
chatmon) and a user name `<source>:<external id>`: the colon cannot appear in a name someone registers.
"""

from __future__ import annotations

import hashlib

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from chatmon.api import conf
from chatmon.api.models import ExternalUser
from chatmon.core.recent import RecentAnswers
from chatmon.core.stamps import SharedStamp

# A deleted user, or an id mapped anew, replaces this stamp (apps.py): every process then forgets the users it
# remembers at its next read of the stamp (API_USER_STAMP_SECONDS), not one user at a time when each expires.
STAMP = SharedStamp("chatmon:api:users:version", what="API users", cache_alias=conf.cache_alias,
                    every=conf.user_stamp_seconds)  # fmt: skip
# While the stamp cannot be read (Redis down), a user is remembered at most this long, as before the stamp.
UNVERIFIED_MEMORY_SECONDS = 30.0
_memory = {"stamp": None}  # the stamp under which the users below were remembered


def _memory_seconds() -> float:
    seconds = conf.user_memory_seconds()
    return seconds if _memory["stamp"] is not None else min(seconds, UNVERIFIED_MEMORY_SECONDS)


# (source, external id) -> the user, with their balance settings applied.
recently_resolved = RecentAnswers(_memory_seconds)


def remembered(key: tuple[str, str]):
    """The user this process remembers for (source, external id), or None. Every user is forgotten first when
    the stamp changed (another process deleted or remapped one) or became unreadable."""
    stamp = STAMP.read()
    if stamp != _memory["stamp"]:
        recently_resolved.clear()
        _memory["stamp"] = stamp
    return recently_resolved.get(key)


def forget_all(using: str = "default", **_kwargs) -> None:
    """A user or a mapping went away or changed: this process forgets its users now, the others once the
    change commits (a signal receiver, apps.py)."""
    recently_resolved.clear()
    STAMP.announce(using=using)


def _username(source: str, external_id: str) -> str:
    name = f"{source}:{external_id}"
    max_length = get_user_model()._meta.get_field(get_user_model().USERNAME_FIELD).max_length or 150
    if len(name) <= max_length:
        return name
    return f"{source}:sha256:{hashlib.sha256(external_id.encode()).hexdigest()}"[:max_length]


def _email(*candidates: str) -> str:
    for candidate in candidates:
        try:
            validate_email(candidate)
        except ValidationError:
            continue
        return candidate
    return ""


def find(*, source: str, external_id: str):
    """The mapped user, or None when this id was never seen."""
    row = ExternalUser.objects.select_related("user").filter(source=source, external_id=external_id).first()
    return row.user if row else None


def resolve(*, source: str, external_id: str, email: str = "", **extra):
    """The mapped user, created on first sight. Two first sightings at once end with one user."""
    user = find(source=source, external_id=external_id)
    if user is not None:
        return user
    User = get_user_model()
    try:
        with transaction.atomic():
            user = User(**{User.USERNAME_FIELD: _username(source, external_id)}, is_active=False, **extra)
            user.email = _email(email, external_id)
            user.set_unusable_password()
            user.save()
            ExternalUser.objects.create(source=source, external_id=external_id, user=user)
    except IntegrityError:
        user = find(source=source, external_id=external_id)
        if user is None:
            raise
    return user
