"""Turning what callers hand to record() into column values: JSON-safe masked metadata, actor, target, IP."""

from __future__ import annotations

import ipaddress
import logging
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.module_loading import import_string

from auditlog import conf

logger = logging.getLogger(__name__)

MASK = "***"
SYSTEM_ACTOR = "system"
# A lone surrogate (a str can hold one, from json.loads("\\ud83d") or a careless caller) cannot be encoded as
# UTF-8: not by the database, not for the chain's hash. It is replaced with U+FFFD, as a decoder would.
_SURROGATE = re.compile("[\ud800-\udfff]")


def text(value: str) -> str:
    """A str every database and the chain's hash can encode: NUL dropped (PostgreSQL's jsonb and text refuse
    it), lone surrogates replaced."""
    return _SURROGATE.sub("\ufffd", value.replace("\x00", ""))


def jsonable(value: Any) -> Any:
    """A JSON-safe copy: unknown objects, non-finite floats and non-string keys become strings. NUL characters
    are dropped because PostgreSQL's jsonb refuses them, lone surrogates replaced; never raises, whatever the
    caller passes."""
    if isinstance(value, str):
        return text(value)
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {jsonable(str(key)): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(item) for item in value]
    return jsonable(str(value))


def mask(text: str) -> str:
    """Hide the first half (django-auditlog's rule): enough left to recognise a typo, not a pasted password."""
    half = len(text) // 2
    return "*" * half + text[half:]


def _sensitive(key: str, keys: tuple[str, ...]) -> bool:
    # Whole words only: "access_token" is a secret, "token_cost" and "prompt_tokens" are not.
    key = key.lower()
    return any(key == name or key.endswith(f"_{name}") for name in keys)


def _masked_keys(value: Any, keys: tuple[str, ...]) -> Any:
    if isinstance(value, dict):
        return {k: MASK if _sensitive(k, keys) else _masked_keys(v, keys) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked_keys(item, keys) for item in value]
    return value


@lru_cache(maxsize=8)
def _load(path: str) -> Any:
    return import_string(path)


def clean_metadata(metadata: Any) -> dict:
    data = jsonable(metadata if metadata is not None else {})
    if not isinstance(data, dict):
        data = {"value": data}
    data = _masked_keys(data, conf.masked_keys())
    if conf.metadata_redactor():
        data = jsonable(_load(conf.metadata_redactor())(data))
    return data


def normalize_ip(address: str | None) -> str:
    """Canonical text of an IP address (IPv4-mapped IPv6 as IPv4); "" when it is not one."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    return str(ip)


def client_ip(request: Any) -> str:
    """The shared resolver named by AUDITLOG_CLIENT_IP_RESOLVER; REMOTE_ADDR when it cannot be imported."""
    try:
        resolver = _load(conf.client_ip_resolver())
    except ImportError:
        return normalize_ip(request.META.get("REMOTE_ADDR"))
    return normalize_ip(resolver(request))


def request_fields(request: Any) -> dict:
    if request is None:
        return {}
    request_id = getattr(request, "request_id", "") or request.META.get(conf.request_id_header(), "")
    return {
        "ip": client_ip(request),
        "user_agent": text(request.META.get("HTTP_USER_AGENT", ""))[:300],
        "request_id": str(request_id)[:128],
    }


def user_label(user: models.Model) -> str:
    email_field = user.get_email_field_name() if hasattr(user, "get_email_field_name") else "email"
    return (getattr(user, email_field, "") or user.get_username())[:254]


def actor_fields(actor: Any) -> dict:
    """A user gives its id and email (or user name); a string is a label (a job, an API key)."""
    if actor is None:
        return {"actor_id": None, "actor_label": SYSTEM_ACTOR}
    if isinstance(actor, str):
        return {"actor_id": None, "actor_label": text(actor)[:254]}
    if not getattr(actor, "is_authenticated", False):
        return {"actor_id": None, "actor_label": "anonymous"}
    return {"actor_id": actor.pk, "actor_label": text(user_label(actor))}


@dataclass(frozen=True)
class Target:
    """A target named without its instance (it was deleted, or only its id is at hand)."""

    content_type: ContentType
    id: str
    repr: str = ""


def target_fields(target: models.Model | Target | None) -> dict:
    if target is None:
        return {}
    if isinstance(target, Target):
        return {
            "target_type": target.content_type,
            "target_id": text(target.id)[:64],
            "target_repr": text(target.repr)[:200],
        }
    return {
        "target_type": ContentType.objects.get_for_model(target, for_concrete_model=False),
        "target_id": text(str(target.pk))[:64],
        "target_repr": text(str(target))[:200],
    }
