"""Builds Django's LOGGING dict from LibreChat's logging variables (read by chatmon.settings.logs).

Transports, as LibreChat's: console always (unless `silent`); under LOG_DIR an error file, a debug file with
DEBUG_LOGGING, a login file for the `chatmon.auth` logger and a jobs file for Celery (`celery`, `chatmon.jobs`).
Every handler carries the context and redaction filters, so nothing reaches an output unredacted.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from chatmon.logging.levels import HTTP, level_number

AUTH_LOGGER = "chatmon.auth"
ACCESS_LOGGER = "chatmon.access"
JOBS_LOGGERS = ("celery", "chatmon.jobs")


@dataclass(frozen=True)
class LogOptions:
    log_dir: Path
    to_file: bool = True
    debug_logging: bool = False
    debug_console: bool = False
    console_json: bool = False
    console_level: str = ""
    json_string_length: int = 255
    debug_message_length: int = 150
    max_size: str = "20m"
    max_files: str = "14d"


def console_level(raw: str, *, debug_console: bool) -> tuple[int, bool]:
    """CONSOLE_LOG_LEVEL -> (level, silent): case-insensitive; `silent` mutes; an unknown name warns."""
    fallback = logging.DEBUG if debug_console else logging.INFO
    name = raw.strip().lower()
    if not name:
        return fallback, False
    if name == "silent":
        return fallback, True
    number = level_number(name)
    if number is None:
        sys.stderr.write(
            f"chatmon: CONSOLE_LOG_LEVEL={raw!r} is not a level (error, warn, info, http, verbose, debug, "
            f"activity, silly, silent); using {logging.getLevelName(fallback).lower()}.\n"
        )
        return fallback, False
    return number, False


def _formatters(options: LogOptions) -> dict:
    if options.console_json:
        console = {"()": "chatmon.logging.formatters.JsonFormatter", "string_length": options.json_string_length}
    elif options.debug_console:
        console = {"()": "chatmon.logging.formatters.DebugFormatter", "message_length": options.debug_message_length}
    else:
        console = {"()": "chatmon.logging.formatters.ConsoleFormatter"}
    return {"console": console, "file": {"()": "chatmon.logging.formatters.JsonFormatter"}}


def _file_handler(options: LogOptions, name: str, level: int) -> dict:
    return {
        "()": "chatmon.logging.handlers.DailyRotatingFileHandler",
        "directory": str(options.log_dir),
        "name": name,
        "max_size": options.max_size,
        "max_files": options.max_files,
        "level": level,
        "formatter": "file",
        "filters": ["context", "redact"],
    }


def _log_dir_usable(options: LogOptions) -> bool:
    """A read-only container without LOG_TO_FILE=false logs to the console only, with one warning."""
    try:
        options.log_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        sys.stderr.write(f"chatmon: cannot write logs to {options.log_dir} ({error}); console only.\n")
        return False
    return True


def build_logging(options: LogOptions) -> dict:
    level, silent = console_level(options.console_level, debug_console=options.debug_console)
    handlers: dict[str, dict] = {}
    if not silent:
        handlers["console"] = {
            "()": "chatmon.logging.handlers.ConsoleHandler",
            "level": level,
            "formatter": "console",
            "filters": ["context", "redact"],
        }
    files = options.to_file and _log_dir_usable(options)
    if files:
        handlers["error_file"] = _file_handler(options, "error", logging.ERROR)
        handlers["login_file"] = _file_handler(options, "login", logging.INFO)
        handlers["jobs_file"] = _file_handler(options, "jobs", logging.DEBUG if options.debug_logging else logging.INFO)
        if options.debug_logging:
            handlers["debug_file"] = _file_handler(options, "debug", logging.DEBUG)
    root_handlers = [name for name in ("console", "error_file", "debug_file") if name in handlers]
    root_level = min([handlers[name]["level"] for name in root_handlers] or [logging.ERROR])
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "context": {"()": "chatmon.logging.filters.ContextFilter"},
            "redact": {"()": "chatmon.logging.filters.RedactFilter"},
        },
        "formatters": _formatters(options),
        "handlers": handlers,
        "root": {"level": root_level, "handlers": root_handlers},
        "loggers": _loggers(files, options),
    }


def _loggers(files: bool, options: LogOptions) -> dict:
    # Django's default LOGGING gives `django` and `django.server` console handlers of their own, which would
    # print unredacted lines; naming them here with no handlers routes them through ours instead.
    loggers = {
        "django": {"handlers": [], "level": logging.INFO, "propagate": True},
        "django.server": {"handlers": [], "level": logging.INFO, "propagate": True},
        # SQL with its parameters at debug level would copy user data into the debug file.
        "django.db.backends": {"handlers": [], "level": logging.INFO, "propagate": True},
        ACCESS_LOGGER: {"handlers": [], "level": HTTP, "propagate": True},
        AUTH_LOGGER: {"handlers": ["login_file"] if files else [], "level": logging.INFO, "propagate": True},
    }
    jobs_level = logging.DEBUG if options.debug_logging else logging.INFO
    for name in JOBS_LOGGERS:
        loggers[name] = {"handlers": ["jobs_file"] if files else [], "level": jobs_level, "propagate": True}
    return loggers
