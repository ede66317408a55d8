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

# (source, external id) -> the user, with their balance settings applied (conf.user_memory_seconds()); a
# deleted user is forgotten at once in this process (apps.py) and within that time in others.
recently_resolved = RecentAnswers(conf.user_memory_seconds)


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
