"""Checks of the JSON fields an operator types into the admin: each returns the cleaned value or raises a
ValidationError that says what is wrong (huge, nested, non-finite or unknown input included)."""

from __future__ import annotations

import math

from django.core.exceptions import ValidationError

from violations.limiters import LIMITERS

MAX_RATE_LIMIT = 10**6  # hits per window and seconds per window: beyond either a limit means nothing
MAX_PATTERNS = 200
MAX_LEVELS = 10


def user_limiters() -> list[str]:
    # Only per-user limiters can differ by user: an IP limiter counts everyone behind one address together.
    return sorted(name for name, limiter in LIMITERS.items() if limiter.by == "user")


def _whole(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValidationError(f"{what} must be a number.")
    if value != int(value) or not 1 <= value <= MAX_RATE_LIMIT:
        raise ValidationError(f"{what} must be a whole number from 1 to {MAX_RATE_LIMIT:,}.")
    return int(value)


def checked_rate_limits(value) -> dict:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValidationError('Rate limits are an object: {"message_user": {"max": 100, "window_seconds": 60}}.')
    known = user_limiters()
    cleaned = {}
    for name, limit in value.items():
        if name not in known:
            raise ValidationError(f"{str(name)[:50]!r} is not a per-user limiter; one of: {', '.join(known)}.")
        if not isinstance(limit, dict) or set(limit) - {"max", "window_seconds"} or "max" not in limit:
            raise ValidationError(f"{name}: give max and optionally window_seconds, nothing else.")
        cleaned[name] = {"max": _whole(limit["max"], f"{name} max")}
        if "window_seconds" in limit:
            cleaned[name]["window_seconds"] = _whole(limit["window_seconds"], f"{name} window_seconds")
    return cleaned


def checked_models(value) -> list[str]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or len(value) > MAX_PATTERNS:
        raise ValidationError(f"Allowed models are a list of at most {MAX_PATTERNS} names or patterns.")
    if any(not isinstance(item, str) or not item.strip() or len(item) > 255 for item in value):
        raise ValidationError("Each allowed model is a non-empty name or pattern of at most 255 characters.")
    return [item.strip() for item in value]


def checked_levels(value) -> list[int]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or len(value) > MAX_LEVELS:
        raise ValidationError(f"Notice levels are a list of at most {MAX_LEVELS} percentages, e.g. [50, 80, 100].")
    levels = set()
    for level in value:
        if isinstance(level, bool) or not isinstance(level, int | float) or not math.isfinite(level):
            raise ValidationError("Each notice level is a number.")
        if not 1 <= level <= 1000 or level != int(level):
            raise ValidationError("Each notice level is a whole percentage from 1 to 1000.")
        levels.add(int(level))
    return sorted(levels)
