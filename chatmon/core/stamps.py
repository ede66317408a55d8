"""A version stamp in the shared cache (Redis) that tells every process something changed elsewhere.

A process keeps what it read (policies, the users the API resolved) and compares the stamp, one cache read at
most every `every()` seconds, instead of asking the database on each request. A change replaces the stamp once
its transaction commits, so a process told of it reads the committed rows. When the stamp cannot be read, `read`
answers None for UNREACHABLE_BACKOFF_SECONDS rather than each request waiting for the cache's connect timeout,
and the outage is logged once; each user of a stamp says what it falls back to. (The ledger's price overrides
keep their own stamp, ledger/overrides.py: the ledger may not import chatmon.)
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from django.core.cache import caches
from django.db import transaction

logger = logging.getLogger(__name__)

UNREACHABLE_BACKOFF_SECONDS = 5.0


class SharedStamp:
    def __init__(self, key: str, *, what: str, cache_alias: Callable[[], str], every: Callable[[], float]) -> None:
        self.key = key
        self._what = what  # for the log: "Policies", "API users"
        self._cache_alias = cache_alias
        self._every = every
        self.reset()

    def reset(self) -> None:
        """Forget the last read and any outage: the next `read` asks the cache."""
        self._read_at: float | None = None
        self._stamp: str | None = None
        self._unreachable_until = 0.0
        self._unreachable = False
        self._queued: tuple = (None, 0, None)  # (connection, index, entry) of the last publish queued on commit

    def read(self) -> str | None:
        """The stamp, read from the cache at most every `every()` seconds; None when it cannot be read."""
        now = time.monotonic()
        if self._read_at is not None and now - self._read_at < self._every():
            return self._stamp
        if now < self._unreachable_until:
            return None
        try:
            cache = caches[self._cache_alias()]
            stamp = cache.get(self.key)
            if stamp is None:  # never set, or evicted: start one that every process then agrees on
                cache.add(self.key, uuid.uuid4().hex, timeout=None)
                stamp = cache.get(self.key)
        except Exception as exc:
            self._unreachable_until, self._read_at = now + UNREACHABLE_BACKOFF_SECONDS, None
            if not self._unreachable:  # once per outage, not every backoff period
                self._unreachable = True
                logger.warning("%s version unreadable (%s); falling back until it is", self._what, exc)
            return None
        if self._unreachable:
            self._unreachable = False
            logger.warning("%s version readable again", self._what)
        self._read_at, self._stamp = now, stamp
        return stamp

    def announce(self, using: str = "default") -> None:
        """Something changed: this process reads the stamp at its next `read`, and every process sees a new
        stamp once the change's transaction (on database `using`) commits. Announced again in the same
        transaction (a bulk delete signals once per row), the stamp is still replaced once."""
        self._read_at = None
        connection = transaction.get_connection(using)
        if connection.in_atomic_block and self._queued_on(connection):
            return
        transaction.on_commit(self.publish, using=using)
        if connection.in_atomic_block:
            self._queued = (connection, len(connection.run_on_commit) - 1, connection.run_on_commit[-1])

    def _queued_on(self, connection) -> bool:
        """Whether this transaction's commit callbacks hold our publish already: the entry recorded when it was
        queued is still at its place. A commit empties the list and a savepoint's rollback rebuilds it, and
        either way the entry is not found there and publish is queued again (at worst twice, never missed).
        One look, not a search: a bulk delete announces once per row."""
        queued_connection, index, entry = self._queued
        callbacks = connection.run_on_commit
        return queued_connection is connection and index < len(callbacks) and callbacks[index] is entry

    def publish(self) -> None:
        """Replace the stamp now (what `announce` does on commit); an outage is logged, not raised: the change
        is committed, and other processes fall back as their stamp's user says."""
        try:
            caches[self._cache_alias()].set(self.key, uuid.uuid4().hex, timeout=None)
        except Exception:
            logger.warning("%s change not published to other processes", self._what, exc_info=True)
