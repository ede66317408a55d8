"""The one way chatmon and the example chat app read a JSON request body.

Every failure is a `BodyError` with a status (413 too large, 400 anything else), a stable code and one message,
so the same hostile body gets the same answer on every surface; each surface renders it in its documented
shape (the API's `{message, request_id}`, the chat app's and the events endpoint's `{error, message}`).

Refused with 400: bytes that are not UTF-8, text that is not JSON (NaN and Infinity literals included),
nesting deeper than CHATMON_JSON_MAX_DEPTH, and lone surrogates. `json.loads` accepts `"\\ud83d"` and
returns a str that no database, log line or hash can encode later, so it is refused here, at the door.
"""

from __future__ import annotations

import json
import re
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest

from chatmon.core import conf

# A code point in U+D800..U+DFFF left in a decoded str: a valid pair would have been joined by the decoder.
_SURROGATE = re.compile("[\ud800-\udfff]")


class BodyError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def too_large(limit: int) -> BodyError:
    return BodyError(413, "too_large", f"The request body is too large: the limit is {limit} bytes.")


def invalid(reason: str) -> BodyError:
    return BodyError(400, "invalid_json", f"The request body is not valid JSON: {reason}.")


def read_request(request: HttpRequest, *, max_bytes: int | None = None, empty: Any = None) -> Any:
    """The decoded body of a Django request; `empty` when there is none.

    The declared length is checked before a byte is read. Django reads exactly CONTENT_LENGTH bytes for
    `request.body` (and refuses more than DATA_UPLOAD_MAX_MEMORY_SIZE with RequestDataTooBig, answered the
    same way), so a body is never read past the limit; `request.body` stays readable for later readers."""
    limit = conf.json_max_body_bytes() if max_bytes is None else max_bytes
    check_declared_length(request, limit)
    try:
        raw = request.body
    except RequestDataTooBig as exc:
        # Django's own limit is the lower one here: name the limit that refused the body.
        raise too_large(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or limit) from exc
    if len(raw) > limit:
        raise too_large(limit)
    return parse(raw, empty=empty)


def read_stream(stream: IO[bytes], *, max_bytes: int, empty: Any = None) -> Any:
    """The decoded body of a stream (DRF hands its parsers one): at most `max_bytes + 1` bytes are read."""
    try:
        raw = stream.read(max_bytes + 1)
    except RequestDataTooBig as exc:
        raise too_large(max_bytes) from exc
    if len(raw) > max_bytes:
        raise too_large(max_bytes)
    return parse(raw, empty=empty)


def parse(raw: bytes, *, empty: Any = None) -> Any:
    """Strict UTF-8, strict JSON, bounded depth, no lone surrogates; `empty` for a blank body."""
    max_depth = conf.json_max_depth()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise invalid(f"byte {exc.start} is not UTF-8") from exc
    if not text.strip():
        return empty
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise invalid(f"{exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except ValueError as exc:  # a NaN or Infinity literal
        raise invalid(str(exc)) from exc
    except RecursionError as exc:  # the decoder recurses per level: far deeper than any limit of ours
        raise _too_deep(max_depth) from exc
    _check_structure(data, max_depth)
    return data


def check_declared_length(request: HttpRequest, limit: int) -> None:
    """413 on the Content-Length header alone, before a byte of the body is read."""
    declared = (request.META.get("CONTENT_LENGTH") or "").strip()
    if declared.isdigit() and int(declared) > limit:
        raise too_large(limit)


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _too_deep(max_depth: int) -> BodyError:
    return invalid(f"it nests deeper than {max_depth} levels")


def _check_structure(data: Any, max_depth: int) -> None:
    """Depth and lone surrogates in one walk, with a list as the stack (no recursion on hostile input)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                raise invalid("it holds a lone surrogate (\\ud800-\\udfff), which is not a character")
        elif isinstance(value, dict | list):
            if depth > max_depth:
                raise _too_deep(max_depth)
            items = value.items() if isinstance(value, dict) else ((None, item) for item in value)
            for key, item in items:
                if key is not None:
                    stack.append((key, depth))
                stack.append((item, depth + 1))
