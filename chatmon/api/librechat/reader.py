"""Streaming reader of mongoexport files: JSON lines or one JSON array, in MongoDB Extended JSON.

Values come out as plain Python: `$oid` -> str, `$date` (ISO text or milliseconds, canonical or relaxed) ->
an aware UTC datetime, `$numberLong` -> int, `$numberDecimal` and `$numberDouble` -> float. A JSON-lines file
is read line by line and a malformed line is reported with its number and skipped; an array is parsed
incrementally (ijson), so neither form holds more than one document in memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ijson
from bson import Decimal128, ObjectId, json_util

_OPTIONS = json_util.JSONOptions(tz_aware=True, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Document:
    line: int  # line number (JSON lines) or 1-based position in the array
    data: dict[str, Any] | None
    error: str = ""


def _plain(value: Any) -> Any:
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, Decimal128):
        return float(value.to_decimal())
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _extended(value: Any) -> Any:
    """Apply Extended JSON's conversions bottom-up to a value ijson built from plain JSON."""
    if isinstance(value, dict):
        return json_util.object_hook({key: _extended(item) for key, item in value.items()}, _OPTIONS)
    if isinstance(value, list):
        return [_extended(item) for item in value]
    return value


def _document(line: int, value: Any) -> Document:
    if not isinstance(value, dict):
        return Document(line, None, f"expected a JSON object, got {type(value).__name__}")
    return Document(line, _plain(value))


def _lines(handle) -> Iterator[Document]:
    for number, text in enumerate(handle, start=1):
        if not text.strip():
            continue
        try:
            value = json_util.loads(text, json_options=_OPTIONS)
        except (ValueError, TypeError, KeyError, OverflowError) as exc:
            yield Document(number, None, f"malformed JSON: {exc}")
            continue
        yield _document(number, value)


def _array(handle) -> Iterator[Document]:
    position = 0
    try:
        for position, value in enumerate(ijson.items(handle, "item", use_float=True), start=1):
            try:
                yield _document(position, _extended(value))
            except (ValueError, TypeError, KeyError, OverflowError) as exc:
                yield Document(position, None, f"malformed Extended JSON: {exc}")
    except ijson.JSONError as exc:
        # A broken array cannot be resynchronised: what follows the error is lost, and said so.
        yield Document(position + 1, None, f"malformed JSON array, the rest of the file is skipped: {exc}")


def read(path: Path) -> Iterator[Document]:
    """The documents of a mongoexport file, in file order."""
    with open(path, "rb") as probe:
        first = probe.read(4096).lstrip()[:1]
    if first == b"[":
        with open(path, "rb") as handle:
            yield from _array(handle)
    else:
        with open(path, encoding="utf-8", errors="replace") as handle:
            yield from _lines(handle)
