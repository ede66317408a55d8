"""Handler filters: request/task context on every record, and redaction of every record before any output.

Both are attached to each handler (not to loggers) because Python applies a logger's filters only to records
created on that logger, while a handler's filters see every record that reaches it through propagation.
"""

from __future__ import annotations

import logging
import traceback
from itertools import filterfalse

from django.http import HttpRequest
from pythonjsonlogger.core import RESERVED_ATTRS

from chatmon.core import context
from chatmon.logging import tracing
from chatmon.logging.redaction import REDACTED, is_sensitive_key, redact, redact_path, redact_value

CONTEXT_FIELDS = ("request_id", "user_id", "route", "task_id", "task_name", "trace_id", "span_id")
_STANDARD = frozenset(RESERVED_ATTRS) | {"message", "asctime", "_chatmon_redacted", "_chatmon_extra"}


def extra_fields(record: logging.LogRecord) -> dict:
    """The caller's `extra=` values and our context fields: everything that is not a standard attribute.
    Found once per record: the redaction filter notes their names for the formatter."""
    fields = record.__dict__
    names = fields.get("_chatmon_extra")
    if names is not None:
        return {name: fields[name] for name in names}
    # The standard attributes (most of a record) are skipped in C, not by a comprehension step each.
    return {key: fields[key] for key in filterfalse(_STANDARD.__contains__, fields)}


class ContextFilter(logging.Filter):
    """Adds request id, user id and route (in a request), task id and name (in a Celery task), trace ids."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields = record.__dict__
        request = context.current.get()
        task = context.current_task.get()
        fields.setdefault("request_id", request.request_id if request else (task.request_id if task else ""))
        fields.setdefault("user_id", request.user_id if request else "")
        fields.setdefault("route", request.route if request else "")
        fields.setdefault("task_id", task.task_id if task else "")
        fields.setdefault("task_name", task.task_name if task else "")
        if tracing.active():
            fields.update(tracing.current_ids())
        return True


class RedactFilter(logging.Filter):
    """Redacts the message, its arguments, extra fields and the exception of a record, once per record.

    The arguments are redacted before interpolation (a dict argument loses its sensitive keys) and the
    interpolated message again (a secret split between format string and argument is caught whole).
    The caller's objects are copied, never changed.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_chatmon_redacted", False):
            return True
        try:
            _redact_record(record)
        except Exception as error:  # a log call must never raise, nor print what could not be redacted
            record.msg = f"[LOGGER REDACTION ERROR] {type(error).__name__}"
            record.args = record.exc_info = record.exc_text = None
        record._chatmon_redacted = True
        return True


def _redact_record(record: logging.LogRecord) -> None:
    record.msg = _redacted_message(record)
    record.args = None
    extra = extra_fields(record)
    for key, value in extra.items():
        record.__dict__[key] = REDACTED if is_sensitive_key(key) else redact_value(value)
    record._chatmon_extra = tuple(extra)
    if record.exc_info and record.exc_info[1] is not None:
        error = redact_value(record.exc_info[1])
        record.exc_info = (type(error), error, error.__traceback__)
        # Overwrite any cached text: a handler without this filter may have formatted the original.
        record.exc_text = redact("".join(traceback.format_exception(error)).rstrip("\n"))


def _redacted_message(record: logging.LogRecord) -> object:
    msg = record.msg if isinstance(record.msg, str) else redact_value(record.msg)
    if not record.args or not isinstance(msg, str):
        return redact(msg) if isinstance(msg, str) else msg
    args = record.args
    if isinstance(getattr(record, "request", None), HttpRequest) and isinstance(args, tuple):
        # django.request's "Not Found: %s" passes the request's path: a 404 path may carry a token.
        args = tuple(redact_path(arg) if isinstance(arg, str) and arg.startswith("/") else arg for arg in args)
    try:
        text = msg % redact_value(args)
    except (TypeError, ValueError, KeyError):  # a caller's bad format string must not lose the record
        text = f"{msg} {redact_value(args)!r}"
    return redact(text)
