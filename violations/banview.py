"""Each process' in-memory view of the active bans, so the ban check costs no network round trip.

Bans are few, so every process holds all of them (target key -> expiry). The view re-reads Redis at most
every VIOLATIONS_BAN_SYNC_SECONDS, and only the version token unless it changed; the process that issues or
lifts a ban updates its own view at once. Redis holds one hash of active bans and a version token rewritten
on every change; when the token is missing (Redis restarted or flushed), or a changed token comes with a hash
that differs from the database's active bans (Redis restored from an older snapshot), the hash is rebuilt
from the database, which stays the source of truth. Only a rebuild may create the token: a change published into an
empty Redis would otherwise stand for the whole set, and every process would drop the bans it held.
When Redis is down, VIOLATIONS_CACHE_FAILURE decides: `database` re-reads the active bans from the database
every sync interval, `open` lets everyone through, `closed` refuses every request until Redis answers again.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterable

from violations import conf, metrics, store
from violations.models import Ban

logger = logging.getLogger(__name__)


class BanStoreUnavailable(Exception):
    """Redis is down and VIOLATIONS_CACHE_FAILURE is `closed`."""


def _hash_key() -> str:
    return store.key("bans")


def _version_key() -> str:
    return store.key("bans", "version")


def active_from_db(keys: Iterable[str] | None = None) -> dict[str, float]:
    """Active bans from the database as target key -> latest expiry (epoch seconds)."""
    wanted = set(keys) if keys is not None else None
    entries: dict[str, float] = {}
    for ban in Ban.objects.active().only("kind", "user_id", "ip", "expires_at"):
        key = ban.cache_key
        if wanted is None or key in wanted:
            entries[key] = max(entries.get(key, 0.0), ban.expires_at.timestamp())
    return entries


def _agrees_with_db(bans: dict[str, float]) -> bool:
    """Whether a hash read after a token change holds the database's active bans. A token that changed back to
    an older value means Redis was restored from an older snapshot: its hash would bring lifted bans back and
    drop newer ones. Checked on token changes only (one query per ban change per process, not per request)."""
    now = time.time()
    current = {key: expiry for key, expiry in bans.items() if expiry > now}
    return current == {key: int(expiry * 1000) / 1000 for key, expiry in active_from_db().items()}


def _write(pipe, entries: dict[str, float], removed: Iterable[str] = (), *, whole: bool) -> None:
    """Queue the hash changes and a new version token. A partial change (`whole=False`) only replaces an
    existing token (SET XX): without one the hash is not the full set, and the caller must rebuild."""
    if entries:
        pipe.hset(_hash_key(), mapping={key: int(expiry * 1000) for key, expiry in entries.items()})
    removed = list(removed)
    if removed:
        pipe.hdel(_hash_key(), *removed)
    pipe.set(_version_key(), uuid.uuid4().hex, xx=not whole)


class BanView:
    def __init__(self) -> None:
        self._bans: dict[str, float] = {}
        self._version: str | None = None
        self._next_sync = 0.0
        self._unavailable = False
        self._lock = threading.Lock()

    def expiry(self, keys: Iterable[str]) -> float | None:
        """The latest expiry among the active bans of `keys` (epoch seconds), or None when none is banned."""
        if time.monotonic() >= self._next_sync:
            self.sync()
        if self._unavailable:
            raise BanStoreUnavailable
        now = time.time()
        expiries = [self._bans.get(key, 0.0) for key in keys]
        latest = max(expiries, default=0.0)
        return latest if latest > now else None

    def sync(self, *, force: bool = False) -> None:
        with self._lock:
            if not force and time.monotonic() < self._next_sync:
                return  # another thread synced while this one waited
            self._next_sync = time.monotonic() + conf.ban_sync_seconds()
            try:
                self._pull()
                self._unavailable = False
                store.report_answer()
            except store.Error as exc:
                store.report_failure(exc)  # logged once per outage, not once per sync
                self._degrade(exc)

    def _pull(self) -> None:
        connection = store.client()
        if self._version is not None and connection.get(_version_key()) == self._version:
            return  # the common case: one GET per sync interval
        # Token and hash in one transaction, so a restart between two reads cannot pair a token with an
        # empty hash; a missing token means Redis lost the hash, and the database answers instead.
        pipe = connection.pipeline(transaction=True)
        pipe.get(_version_key())
        pipe.hgetall(_hash_key())
        version, raw = pipe.execute()
        bans = {key: int(value) / 1000 for key, value in raw.items()}
        if version is None or not _agrees_with_db(bans):
            self._version, self._bans = self._rebuild()
        else:
            self._version, self._bans = version, bans

    def _degrade(self, exc: Exception) -> None:
        mode = conf.cache_failure()
        metrics.REDIS_ERRORS.labels(operation="ban_sync").inc()
        logger.debug("violations: Redis unavailable for the ban check (%s); failure mode %s", exc, mode)
        self._version = None  # re-read everything once Redis answers again
        if mode == "database":
            self._bans = active_from_db()
        elif mode == "open":
            self._bans = {}
        else:
            self._unavailable = True

    def rebuild(self) -> str:
        """Rewrite the Redis hash from the database's active bans; returns the new version token."""
        return self._rebuild()[0]

    def _rebuild(self) -> tuple[str, dict[str, float]]:
        entries = active_from_db()
        pipe = store.client().pipeline(transaction=True)
        pipe.delete(_hash_key())
        _write(pipe, entries, whole=True)
        pipe.get(_version_key())
        return pipe.execute()[-1], entries

    def refresh(self, keys: Iterable[str]) -> None:
        """After bans of `keys` changed in the database: update this process now and Redis for the others."""
        keys = set(keys)
        entries = active_from_db(keys)
        for key in keys:
            if key in entries:
                self._bans[key] = entries[key]
            else:
                self._bans.pop(key, None)
        try:
            pipe = store.client().pipeline(transaction=True)
            _write(pipe, entries, removed=keys - entries.keys(), whole=False)
            if not pipe.execute()[-1]:
                self._rebuild()  # no token: Redis lost the hash, so publish the whole set, not this change
        except store.Error as exc:
            # The database has the change; purge_expired_bans rebuilds the hash once Redis is back.
            metrics.REDIS_ERRORS.labels(operation="ban_publish").inc()
            logger.warning("violations: could not publish a ban change to Redis: %s", exc)

    def reset(self) -> None:
        """Forget everything (tests; a new process starts this way)."""
        with self._lock:
            self._bans, self._version, self._next_sync, self._unavailable = {}, None, 0.0, False


view = BanView()
