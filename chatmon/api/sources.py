"""Which users an API key may name: one rule for the API's requests and for the admin's key form.

A source is a tenant's id space (`librechat`, `email`, `tenant-a`). Rule: a key acts only on users of its own
`source` unless it holds the scope `sources:any`. A request naming another source is refused with 403 before
any lookup, so the answer is the same whether or not that source's user exists; a lookup by id (a hold) is
refused when the row's user has no id in the key's source.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from rest_framework import exceptions

from chatmon.api import metrics
from chatmon.api.models import ApiKey, ExternalUser, Scope

# Lowercase, so `Tenant-A` and `tenant-a` cannot be two tenants; 50 characters, ExternalUser.source's length.
SOURCE_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,49}$"

validate_source = RegexValidator(
    SOURCE_PATTERN,
    "A source is 1-50 characters: lowercase letters, digits, '_', '.' or '-', starting with a letter or digit.",
)


def may_name(key: ApiKey, source: str) -> bool:
    """May `key` name users of `source`?"""
    return source == key.source or Scope.SOURCES_ANY in key.scopes


def check_source(key: ApiKey, source: str) -> None:
    """Refuse (403) a request naming a user of a source this key may not name."""
    if not may_name(key, source):
        _refuse(key)


def check_user(key: ApiKey, user_id: int) -> None:
    """Refuse (403) a lookup by id whose row belongs to a user without an id in the key's source."""
    if Scope.SOURCES_ANY in key.scopes:
        return
    if not ExternalUser.objects.filter(user_id=user_id, source=key.source).exists():
        _refuse(key)


def _refuse(key: ApiKey):
    metrics.AUTH_FAILURES.labels(reason="source").inc()
    raise exceptions.PermissionDenied(
        f"This API key acts only on users of its source '{key.source}' (the scope '{Scope.SOURCES_ANY!s}' "
        "allows any source)."
    )
