"""One Redis dependency's health as this process sees it, so an outage is logged once, not once per request."""

from __future__ import annotations

import logging
import threading
import time

import redis
from django_redis.exceptions import ConnectionInterrupted

# What a dead or unreachable Redis raises, through redis-py directly or through django-redis's cache.
ERRORS = (ConnectionInterrupted, redis.RedisError, OSError)


class Outage:
    """Call `failed(exc)` when a Redis call raises and `answered()` when one succeeds: the first failure logs a
    warning, the first success after it logs the recovery, and the requests in between log nothing. While down,
    `should_try()` lets one call through per `retry_seconds` so a hung Redis does not cost every request its
    socket timeout; the rest go straight to their fallback."""

    def __init__(self, what: str, logger: logging.Logger, retry_seconds: float = 1.0) -> None:
        self.what = what
        self.logger = logger
        self.retry_seconds = retry_seconds
        self.down_since: float | None = None
        self._last_try = 0.0
        self._lock = threading.Lock()

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def should_try(self) -> bool:
        if self.down_since is None:
            return True
        with self._lock:
            now = time.monotonic()
            if now - self._last_try < self.retry_seconds:
                return False
            self._last_try = now
            return True

    def failed(self, exc: BaseException) -> None:
        with self._lock:
            self._last_try = time.monotonic()
            if self.down_since is not None:
                return
            self.down_since = self._last_try
        self.logger.warning("%s: Redis unavailable, falling back until it recovers: %s", self.what, exc)

    def answered(self) -> bool:
        """True for the first success after an outage (the caller may then repair what the outage left)."""
        if self.down_since is None:
            return False
        with self._lock:
            if self.down_since is None:
                return False
            seconds, self.down_since = time.monotonic() - self.down_since, None
        self.logger.warning("%s: Redis is back after %.1f s", self.what, seconds)
        return True
