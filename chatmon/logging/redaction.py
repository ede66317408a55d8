"""Redaction of secrets in log messages and metadata: LibreChat's newest `redactMessage`/`redactFormat` rules.

Patterns start at a word boundary (so `monkey=` is left alone) and apply globally. Metadata values under
sensitive key names are replaced wholesale. Values are copied, never mutated, with LibreChat's limits on
depth, entries per container and string size.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import decimal
import enum
import re
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import ParseResult, SplitResult

from chatmon.logging import conf

REDACTED = "[REDACTED]"
MAX_DEPTH = 8
MAX_ENTRIES = 50
TRUNCATED_KEY = "__redaction_truncated__"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bsk-[A-Za-z0-9_-]+"), "sk-[REDACTED]"),
    (re.compile(r"\bBearer [^\s\"']+"), "Bearer [REDACTED]"),
    (re.compile(r"\bapi-key:? [^\s\"']+", re.IGNORECASE), "api-key: [REDACTED]"),
    (re.compile(r"\bapi_key=[^\s\"'&]+", re.IGNORECASE), "api_key=[REDACTED]"),
    (re.compile(r"\bkey=[^\s\"'&]+"), "key=[REDACTED]"),
    # chatmon's addition: query parameters named like a sensitive key (`?access_token=...`, `&password=...`)
    # are as secret as `key=`, and OAuth callbacks and misbehaving clients do put them in URLs.
    (
        re.compile(r"\b((?:access|refresh|id)[-_]?token|token|client_secret|secret|password)=[^\s\"'&]+", re.I),
        r"\1=[REDACTED]",
    ),
)

# Full-name matches only: `token_type` or `tokens` in ledger metadata must stay readable.
SENSITIVE_KEY = re.compile(
    r"^(authorization|proxy-authorization|x-api-key|api[-_]?key|access[-_]?token|refresh[-_]?token"
    r"|id[-_]?token|token|secret|password"
    # chatmon's additions: Django's names for the same secrets (WSGI header keys, session and CSRF cookies).
    r"|http_authorization|http_proxy_authorization|http_x_api_key|cookie|set-cookie|http_cookie"
    r"|sessionid|csrftoken|csrfmiddlewaretoken|client_secret)$",
    re.IGNORECASE,
)

# Immutable values that cannot carry a secret in a form the patterns would recognise.
_PLAIN = (
    int, float, bool, type(None), datetime.date, datetime.time, datetime.timedelta, decimal.Decimal, uuid.UUID,
    enum.Enum,
)  # fmt: skip


def redact(text: Any, trim_length: int | None = None) -> str:
    """LibreChat's `redactMessage`: falsy input gives '', then every pattern, then an optional cut plus '...'."""
    if not text:
        return ""
    result = str(text)
    for pattern, replacement in _PATTERNS:
        result = pattern.sub(replacement, result)
    if trim_length is not None and len(result) > trim_length:
        return result[:trim_length] + "..."
    return result


def redact_value(value: Any) -> Any:
    """A redacted deep copy of `value` (strings, containers, exceptions, dataclasses); the input is untouched."""
    return _redact(value, 0, frozenset())


def is_sensitive_key(key: Any) -> bool:
    return isinstance(key, str) and bool(SENSITIVE_KEY.match(key))


def _redact(value: Any, depth: int, seen: frozenset[int]) -> Any:
    if isinstance(value, str):
        return _redact_string(value)
    if isinstance(value, _PLAIN):
        return value
    if depth >= MAX_DEPTH:
        return REDACTED
    if id(value) in seen:
        return "[Circular]"
    seen = seen | {id(value)}
    if isinstance(value, bytes | bytearray | memoryview):
        return _redact_bytes(bytes(value))
    if isinstance(value, ParseResult | SplitResult):
        return redact(value.geturl())
    if isinstance(value, BaseException):
        return _redact_exception(value, depth, seen)
    if isinstance(value, Mapping):
        return _redact_mapping(value, depth, seen)
    if isinstance(value, list | tuple):
        items = _redact_items(value, depth, seen, "Additional array values omitted")
        return tuple(items) if isinstance(value, tuple) else items
    if isinstance(value, set | frozenset):
        return set(_redact_items(sorted(value, key=repr), depth, seen, "Additional set values omitted"))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _redact_mapping(dataclasses.asdict(value), depth, seen)
    if callable(getattr(value, "model_dump", None)):  # pydantic models: redact their JSON form, as toJSON
        return _redact(value.model_dump(), depth, seen)
    return _redact_string(str(value))


def _redact_string(value: str) -> str:
    limit = conf.redaction_string_limit()
    if len(value) <= limit:
        return redact(value)
    return f"{redact(value[:limit])}... [truncated {len(value) - limit} chars]"


def _redact_bytes(value: bytes) -> str:
    if len(value) > conf.redaction_string_limit():
        return f"[REDACTED Buffer {len(value)} bytes]"
    return _redact_string(value.decode("utf-8", errors="replace"))


def _redact_mapping(value: Mapping, depth: int, seen: frozenset[int]) -> dict:
    result: dict = {}
    for index, (key, item) in enumerate(value.items()):
        if index == MAX_ENTRIES:
            result[TRUNCATED_KEY] = "Additional object properties omitted"
            break
        result[key] = REDACTED if is_sensitive_key(key) else _redact(item, depth + 1, seen)
    return result


def _redact_items(values: Any, depth: int, seen: frozenset[int], marker: str) -> list:
    result = []
    for index, item in enumerate(values):
        if index == MAX_ENTRIES:
            result.append(marker)
            break
        result.append(_redact(item, depth + 1, seen))
    return result


class RedactedError(Exception):
    """Stands in for an exception that cannot be copied; its message names the original type."""


def _redact_exception(error: BaseException, depth: int, seen: frozenset[int]) -> BaseException:
    """A copy with redacted args, attributes and causes; the traceback (code locations only) is kept."""
    try:
        clone = copy.copy(error)
        clone.args = tuple(_redact(arg, depth + 1, seen) for arg in error.args)
        for name, attr in vars(error).items():
            setattr(clone, name, REDACTED if is_sensitive_key(name) else _redact(attr, depth + 1, seen))
    except Exception:  # an exception type whose copy or attributes refuse assignment
        clone = RedactedError(f"{type(error).__name__}: {redact(str(error))}")
    clone.__cause__ = _linked(error.__cause__, depth, seen)
    clone.__context__ = _linked(error.__context__, depth, seen)
    clone.__suppress_context__ = error.__suppress_context__
    return clone.with_traceback(error.__traceback__)


def _linked(error: BaseException | None, depth: int, seen: frozenset[int]) -> BaseException | None:
    """A redacted cause or context; dropped past the depth limit or on a cycle (only exceptions fit there)."""
    linked = _redact(error, depth + 1, seen) if error is not None else None
    return linked if isinstance(linked, BaseException) else None
