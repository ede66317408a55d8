"""Formatters: human console lines (coloured on a TTY), LibreChat's debug traversal, and JSON lines.

Records reach a formatter already redacted and carrying their context (see chatmon.logging.filters).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

from chatmon.logging.filters import extra_fields
from chatmon.logging.redaction import redact

# LibreChat's level names (winston's), so dashboards built on LibreChat logs keep working.
_LEVEL_NAMES = {"WARNING": "warn", "CRITICAL": "error"}
_COLOURS = {"error": "\033[31m", "warn": "\033[3;33m", "info": "\033[32m", "debug": "\033[34m"}
_RESET = "\033[0m"
# Fields a short CONSOLE_JSON_STRING_LENGTH must not cut: log back-ends parse them.
_UNCUT = frozenset({"timestamp", "level", "logger"})


def level_name(record: logging.LogRecord) -> str:
    return _LEVEL_NAMES.get(record.levelname, record.levelname.lower())


def truncate_strings(value: Any, length: int, _seen: frozenset[int] = frozenset()) -> Any:
    """LibreChat's jsonTruncateFormat: every string longer than `length` becomes its head plus '...'."""
    if isinstance(value, str):
        return value[:length] + "..." if len(value) > length else value
    if isinstance(value, dict | list | tuple):
        if id(value) in _seen:
            return "[Circular]"
        seen = _seen | {id(value)}
        if isinstance(value, dict):
            return {key: truncate_strings(item, length, seen) for key, item in value.items()}
        return [truncate_strings(item, length, seen) for item in value]
    return value


class JsonFormatter(BaseJsonFormatter):
    """One JSON object per line: UTC ISO timestamp, level, logger, message, context, extra fields, stack."""

    def __init__(self, *args: Any, string_length: int | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(*args, **kwargs)
        self.string_length = string_length

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        created = datetime.fromtimestamp(record.created, tz=UTC)
        log_data["timestamp"] = created.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        log_data["level"] = level_name(record)
        log_data["logger"] = record.name
        log_data["message"] = record.message
        for key, value in extra_fields(record).items():
            log_data[key] = value
        if message_dict.get("exc_info"):
            log_data["stack"] = message_dict["exc_info"]
        if message_dict.get("stack_info"):
            log_data["stack_info"] = message_dict["stack_info"]

    def formatException(self, ei: Any) -> str:
        # The traceback is rendered again from the (redacted) exception; its source lines need redaction too.
        return redact(super().formatException(ei))

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        if self.string_length is None:
            return log_data
        return {
            key: value if key in _UNCUT else truncate_strings(value, self.string_length)
            for key, value in log_data.items()
        }


def _context_and_meta(record: logging.LogRecord, length: int = 255) -> dict[str, Any]:
    """LibreChat's formatConsoleMeta: non-empty, non-private extras with long strings cut."""
    meta = {}
    for key, value in extra_fields(record).items():
        if key.startswith("_") or value in ("", None, [], {}) or callable(value):
            continue
        meta[key] = truncate_strings(value, length)
    return meta


class ConsoleFormatter(logging.Formatter):
    """`2026-01-31 12:00:00 info: message {"request_id": ...}`, the level coloured when stderr is a TTY."""

    def __init__(self, *args: Any, colours: bool | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.colours = sys.stderr.isatty() if colours is None else colours

    def format(self, record: logging.LogRecord) -> str:
        level = level_name(record)
        if self.colours and level in _COLOURS:
            level = f"{_COLOURS[level]}{level}{_RESET}"
        line = f"{_timestamp(record)} {level}: {record.getMessage()}"
        meta = _context_and_meta(record)
        if meta:
            line += " " + json.dumps(meta, default=str, ensure_ascii=False)
        return _with_exception(self, record, line)


class DebugFormatter(logging.Formatter):
    """LibreChat's debugTraverse: the message cut at DEBUG_MESSAGE_LENGTH, then the metadata one leaf a line."""

    def __init__(self, *args: Any, message_length: int = 150, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.message_length = message_length

    def format(self, record: logging.LogRecord) -> str:
        head = f"{_timestamp(record)} {level_name(record)}"
        message = record.getMessage()
        if not message:
            line = head
        else:
            message = message.strip()
            if len(message) > self.message_length:
                message = message[: self.message_length] + "... [truncated]"
            line = f"{head}: {message}"
        meta = _context_and_meta(record, length=100)
        if meta:
            line += "\n{\n" + "\n".join(traverse(meta)) + "\n}"
        return _with_exception(self, record, line)


def traverse(meta: dict[str, Any], prefix: str = "", indent: str = "  ") -> list[str]:
    """One line per leaf: strings JSON-quoted and cut at 100, lists announced with a count comment."""
    lines = []
    for key, value in meta.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            lines.extend(traverse(value, prefix=f"{name}.", indent="    "))
        elif isinstance(value, list | tuple) and value:
            lines.append(f"{indent}// {len(value)} {str(key).rstrip('s')}(s)")
            items = ", ".join(json.dumps(item, default=str)[:100] for item in value)
            lines.append(f"{indent}{name}: [{items}]")
        elif isinstance(value, str):
            lines.append(f"{indent}{name}: {json.dumps(value[:100], ensure_ascii=False)}")
        else:
            lines.append(f"{indent}{name}: {value}")
    return lines


def _timestamp(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")


def _with_exception(formatter: logging.Formatter, record: logging.LogRecord, line: str) -> str:
    if record.exc_info and not record.exc_text:
        record.exc_text = formatter.formatException(record.exc_info)
    if record.exc_text:
        line += "\n" + record.exc_text
    if record.stack_info:
        line += "\n" + formatter.formatStack(record.stack_info)
    return line
