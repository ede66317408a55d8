"""Logging: LibreChat's variables (DEBUG_LOGGING, CONSOLE_JSON, LOG_TO_FILE, ...) mapped to LOGGING and to the
settings chatmon.logging reads while running. See docs/logging.md."""

from __future__ import annotations

from pathlib import Path

from chatmon.logging.config import LogOptions, build_logging
from chatmon.settings.env import PRODUCTION, VAR_DIR, env

LOG_DIR = Path(env.str("LOG_DIR", default=str(VAR_DIR / "logs")))
LOG_TO_FILE = env.bool("LOG_TO_FILE", default=True)
# LibreChat's .env.example turns the debug file on; a laptop gets it, production opts in.
DEBUG_LOGGING = env.bool("DEBUG_LOGGING", default=not PRODUCTION)
DEBUG_CONSOLE = env.bool("DEBUG_CONSOLE", default=False)
CONSOLE_JSON = env.bool("CONSOLE_JSON", default=False)
CONSOLE_JSON_STRING_LENGTH = env.int("CONSOLE_JSON_STRING_LENGTH", default=255)
DEBUG_MESSAGE_LENGTH = env.int("DEBUG_MESSAGE_LENGTH", default=150)
CONSOLE_LOG_LEVEL = env.str("CONSOLE_LOG_LEVEL", default="")
LOG_MAX_SIZE = env.str("LOG_MAX_SIZE", default="20m")
LOG_MAX_FILES = env.str("LOG_MAX_FILES", default="14d")
SLOW_QUERY_MS = env.float("SLOW_QUERY_MS", default=500)
CHATMON_ACCESS_LOG = env.bool("CHATMON_ACCESS_LOG", default=True)
# URL names left out of the access log (probes and scrapes would drown real traffic).
CHATMON_ACCESS_LOG_EXCLUDE = env.list("CHATMON_ACCESS_LOG_EXCLUDE", default=["healthz", "health", "metrics"])
CHATMON_CLIENT_IP_RESOLVER = env.str("CHATMON_CLIENT_IP_RESOLVER", default="violations.clientip.client_ip")

LOGGING = build_logging(
    LogOptions(
        log_dir=LOG_DIR,
        to_file=LOG_TO_FILE,
        debug_logging=DEBUG_LOGGING,
        debug_console=DEBUG_CONSOLE,
        console_json=CONSOLE_JSON,
        console_level=CONSOLE_LOG_LEVEL,
        json_string_length=CONSOLE_JSON_STRING_LENGTH,
        debug_message_length=DEBUG_MESSAGE_LENGTH,
        max_size=LOG_MAX_SIZE,
        max_files=LOG_MAX_FILES,
    )
)
