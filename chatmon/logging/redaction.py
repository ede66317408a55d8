"""Redaction of secrets in log messages and metadata: LibreChat's newest `redactMessage`/`redactFormat` rules.

Patterns start at a word boundary (so `monkey=` is left alone) and apply globally. Metadata values under
sensitive key names are replaced wholesale. Values are copied, never mutated, with LibreChat's limits on
depth, entries per container and string size.

chatmon widens LibreChat's rules in three ways (docs/logging.md, "Redaction"): by parameter name (any
`name=value` or quoted `"name": "value"` whose name speaks of a key, token, secret, signature, password,
session, auth, credential, JWT or cookie, so `auth_token=` is caught although `\btoken=` is not), by value
shape (JWTs, provider key prefixes, AWS access key ids, Basic credentials), and in URL paths (`redact_path`).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import decimal
import enum
import functools
import re
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import ParseResult, SplitResult

from django.http import HttpRequest

from chatmon.logging import conf

REDACTED = "[REDACTED]"
MAX_DEPTH = 8
MAX_ENTRIES = 50
TRUNCATED_KEY = "__redaction_truncated__"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bsk-[A-Za-z0-9_-]+"), "sk-[REDACTED]"),
    # HTTP scheme and header names are case-insensitive: `authorization: bearer X` is as secret as `Bearer X`.
    (re.compile(r"\b(Bearer) [^\s\"'\\]+", re.IGNORECASE), r"\1 [REDACTED]"),
    # An authorization header line, whatever its scheme (`basic`, `token`, none): the scheme stays readable.
    (re.compile(r"\b((?:proxy-)?authorization:[ \t]*(?:[A-Za-z]+[ \t]+)?)[^\s\"'\\]+", re.I), r"\1[REDACTED]"),
    (re.compile(r"\bapi-key:? [^\s\"']+", re.IGNORECASE), "api-key: [REDACTED]"),
    (re.compile(r"\bapi_key=[^\s\"'&]+", re.IGNORECASE), "api_key=[REDACTED]"),
    (re.compile(r"\bkey=[^\s\"'&]+"), "key=[REDACTED]"),
    # chatmon's addition: query parameters named like a sensitive key (`?access_token=...`, `&password=...`)
    # are as secret as `key=`, and OAuth callbacks and misbehaving clients do put them in URLs.
    (
        re.compile(r"\b((?:access|refresh|id)[-_]?token|token|client_secret|secret|password)=[^\s\"'&]+", re.I),
        r"\1=[REDACTED]",
    ),
    # Value shapes: secrets recognisable without a name (in a path, a free-text message, an unnamed argument).
    (
        re.compile(
            r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"  # JWT (base64url of '{"')
            r"|\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}\b"  # AWS access key ids
            r"|\b(?:gh[pousr]_|github_pat_|glpat-|xox[abposr]-|hf_|gsk_|xai-|r8_|AIza)[A-Za-z0-9_-]{16,}"
            r"|\b[spr]k_(?:live|test)_[A-Za-z0-9]{10,}"  # Stripe
            r"|\bBasic [A-Za-z0-9+/]{8,}={0,2}"
        ),
        REDACTED,
    ),
)

# A literal that every match of some pattern above contains (compared in lower case): a string holding none of
# them matches no pattern, so the usual log line (no secret) costs a few substring tests instead of one regex
# sub per pattern. Keep it in step with _PATTERNS (tests/logs/test_redaction_triggers.py checks it).
_TRIGGERS = (
    "sk-", "bearer", "authorization", "api-key", "api_key=", "key=", "token=", "secret=", "password=",
    "eyj", "akia", "asia", "agpa", "aida", "aroa", "aipa", "anpa", "anva",
    "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "xox", "hf_", "gsk_", "xai-", "r8_", "aiza",
    "k_live_", "k_test_", "basic ",
)  # fmt: skip


# All the triggers in one alternation: one scan in C per string instead of a generator step per trigger (the
# access line's message, new in every record, paid 35 of those steps).
_ANY_TRIGGER = re.compile("|".join(map(re.escape, _TRIGGERS)))


def _may_match(text: str) -> bool:
    return _ANY_TRIGGER.search(text.lower()) is not None


# `name=value` (query strings, form bodies, cookies) and `"name": "value"` / `'name': 'value'` (JSON, reprs);
# the name is whole (not preceded by a name character), so `auth_token=` is judged as `auth_token`.
_NAMED_VALUE = re.compile(r"(?<![\w.\[\]-])([A-Za-z_][\w.\[\]-]*)=([^\s\"'&]+)")
_QUOTED_VALUE = re.compile(r"""(["'])([A-Za-z_][\w.-]*)\1(\s*:\s*)(["'])((?:\\.|(?!\4).)*)\4""")
# The same inside serialized JSON text (`{\"password\": \"X\"}`: a chat message holding JSON, in a logged
# request body), at any depth: a quote escaped n times is `\"`, `\\\"`, ... and the value ends at the first
# quote escaped exactly as its opening one (more backslashes belong to a deeper level).
_ESCAPED_QUOTED_VALUE = re.compile(r'(?<!\\)(\\+")([A-Za-z_][\w.-]*)\1(\s*:\s*)(\\+")((?:(?!(?<!\\)\4).)*)(?<!\\)\4')

# Words of a name (camelCase, snake_case, kebab-case, X-Amz-Style) that make its value a secret.
_NAME_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+")
_SECRET_WORD = re.compile(
    r"key|(?:api|access|secret|private|signing|session|master|encryption|auth|client|license)keys?"
    r"|\w*token|secret\w*|\w*secrets?|sig|\w*signature|pass|passwd|pwd|\w*password\w*|passphrase|passcode"
    r"|\w*sessid|\w*session\w*|\w*auth|auth(?:orization|[^o]\w*)?|oauth\w*|\w*credentials?|\w*jwt\w*"
    r"|cookies?|\w*cookie|csrf\w*|xsrf\w*"
)
# A name ending in one of these describes a secret without holding it: `token_type`, `session_count`.
_DESCRIPTIVE_TAIL = frozenset({"type", "types", "count", "usage", "limit", "length", "prefix", "hint", "name", "ttl"})
# A path segment this long mixing letters and digits is an opaque id or token (reset links, signed URLs).
_OPAQUE_SEGMENT = re.compile(r"(?=[^/]*\d)(?=[^/]*[A-Za-z])[A-Za-z0-9_.~+=%-]{20,}")

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
    result = _redact_short(result) if len(result) <= _SHORT else _redact_text(result)
    if trim_length is not None and len(result) > trim_length:
        return result[:trim_length] + "..."
    return result


# Short strings (methods, routes, addresses, ids, model names) come back in record after record: their
# redaction is remembered. Only in this process's memory, and bounded.
_SHORT = 64


@functools.lru_cache(maxsize=8192)
def _redact_short(text: str) -> str:
    return _redact_text(text)


def _redact_text(text: str) -> str:
    result = text
    if _may_match(result):
        for pattern, replacement in _PATTERNS:
            result = pattern.sub(replacement, result)
    # The name rules need a callback; most log lines have no '=' and skip it.
    if "=" in result:
        result = _NAMED_VALUE.sub(_named_value, result)
    if ":" in result:
        result = _QUOTED_VALUE.sub(_quoted_value, result)
        if '\\"' in result:
            result = _ESCAPED_QUOTED_VALUE.sub(_quoted_value, result)
    return result


def redact_value(value: Any) -> Any:
    """A redacted deep copy of `value` (strings, containers, exceptions, dataclasses); the input is untouched."""
    value_type = type(value)
    if value_type is str and len(value) <= _SHORT:  # most log fields: ids, routes, names (remembered)
        return _redact_short(value) if value else value
    if value_type is int or value_type is float or value is None:
        return value
    return _redact(value, 0, frozenset())


def redact_path(path: str) -> str:
    """A URL path (and query) fit for a log: opaque segments and secret-shaped values become [REDACTED].

    For paths no route matched (404s, scanners) and Django's request lines; a matched route logs its template.
    """
    path, mark, query = str(path).partition("?")
    if len(path) >= 20:
        path = _OPAQUE_SEGMENT.sub(REDACTED, path)
    return redact(path + mark + query) or path


def is_sensitive_key(key: Any) -> bool:
    """A mapping key whose value is a secret. Stricter than a name in text: the key's last word must name the
    secret (`apiKey`, `auth_token`, `new_password`), because redact_value also cleans data that is stored
    (violation details, audit metadata), where `token_cost` or `session_seconds` must stay readable."""
    return isinstance(key, str) and _is_sensitive_key_name(key)


@functools.lru_cache(maxsize=4096)  # the same few keys come back in every record
def _is_sensitive_key_name(key: str) -> bool:
    if SENSITIVE_KEY.match(key):
        return True
    words = [word.lower() for word in _NAME_WORDS.findall(key)]
    if words[-2:] == ["session", "id"]:
        return True
    return bool(words) and words[-1] not in _DESCRIPTIVE_TAIL and bool(_SECRET_WORD.fullmatch(words[-1]))


@functools.lru_cache(maxsize=2048)
def is_sensitive_name(name: str) -> bool:
    """Whether a parameter, header, cookie or field name holds a secret: `apikey`, `X-Amz-Signature`,
    `auth_token`, `sessionid`, `refreshToken`, but not `monkey`, `tokens`, `max_tokens` or `token_type`."""
    words = [word.lower() for word in _NAME_WORDS.findall(name)]
    if not words or words[-1] in _DESCRIPTIVE_TAIL:
        return False
    return any(_SECRET_WORD.fullmatch(word) for word in words)


def _named_value(match: re.Match[str]) -> str:
    return f"{match[1]}={REDACTED}" if is_sensitive_name(match[1]) else match[0]


def _quoted_value(match: re.Match[str]) -> str:
    quote, name, colon, value_quote = match[1], match[2], match[3], match[4]
    if is_sensitive_name(name):
        value = REDACTED
    else:  # the value may itself be serialized JSON (`"body": "{\\"password\\": ...}"`): look inside it
        value = _ESCAPED_QUOTED_VALUE.sub(_quoted_value, match[5]) if '\\"' in match[5] else match[5]
    return f"{quote}{name}{quote}{colon}{value_quote}{value}{value_quote}"


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
    if isinstance(value, HttpRequest):  # django.request's `record.request`: its repr holds the full URL
        return f"<{type(value).__name__}: {value.method} {redact_path(value.get_full_path())!r}>"
    return _redact_string(str(value))


def _redact_string(value: str) -> str:
    if len(value) <= _SHORT:
        return _redact_short(value) if value else value
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
