"""LibreChat's eight log levels on Python's numeric scale.

winston orders them error 0 ... silly 7 (lower is more severe); Python's numbers grow with severity, so the
four extra levels slot in between and below the standard ones, keeping LibreChat's order.
"""

from __future__ import annotations

import logging

HTTP = 17
VERBOSE = 14
ACTIVITY = 7
SILLY = 5

EXTRA_LEVELS = {"HTTP": HTTP, "VERBOSE": VERBOSE, "ACTIVITY": ACTIVITY, "SILLY": SILLY}

# LibreChat's names (what operators put in CONSOLE_LOG_LEVEL) to Python levels.
LEVELS_BY_NAME = {
    "error": logging.ERROR,
    "warn": logging.WARNING,
    "warning": logging.WARNING,
    "info": logging.INFO,
    "http": HTTP,
    "verbose": VERBOSE,
    "debug": logging.DEBUG,
    "activity": ACTIVITY,
    "silly": SILLY,
}


def register() -> None:
    """Give the extra levels their names; idempotent, run when the package is imported."""
    for name, number in EXTRA_LEVELS.items():
        logging.addLevelName(number, name)


def level_number(name: str) -> int | None:
    """The Python level for a LibreChat (or Python) level name, case-insensitive; None when unknown."""
    return LEVELS_BY_NAME.get(name.strip().lower())
