"""Session engine: Django's cached_db, but a Redis outage falls back to the database instead of raising.

cached_db already writes every session to the database; only its cache calls raise when Redis is gone (loading
a session re-caches it, `exists`, `delete`), which made every signed-in request a 500. Here each cache call that
fails is skipped: reads go to the database, the outage is logged once per process (not per request), and a key
whose cached copy could not be updated or deleted is remembered and evicted once Redis answers again. Without
that eviction, a session logged out, cycled at login or ended by a ban during the outage would come back from
its stale cached copy after it.

SESSION_ENGINE = "chatmon.core.sessions"
"""

from __future__ import annotations

import logging
import threading

from asgiref.sync import sync_to_async
from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.db import SessionStore as DBStore

from chatmon.core.outage import ERRORS, Outage

logger = logging.getLogger(__name__)

outage = Outage("sessions", logger)

# Cache keys whose cached copy may be stale (a write or delete failed during an outage); evicted on recovery.
_stale: set[str] = set()
_stale_lock = threading.Lock()


class SessionStore(cached_db.SessionStore):
    # The database half is DBStore's; only the cache half differs from cached_db.

    def load(self):
        data = self._cache_call(self._cache.get, self.cache_key)
        if data is not None:
            return data
        session = self._get_session_from_db()
        if not session:
            return {}
        data = self.decode(session.session_data)
        expiry = self.get_expiry_age(expiry=session.expire_date)
        self._cache_call(self._cache.set, self.cache_key, data, expiry, write=True)
        return data

    def exists(self, session_key):
        if session_key and self._cache_call(self._cache.has_key, self.cache_key_prefix + session_key):
            return True
        return DBStore.exists(self, session_key)

    def save(self, must_create=False):
        DBStore.save(self, must_create)
        self._cache_call(self._cache.set, self.cache_key, self._session, self.get_expiry_age(), write=True)

    def delete(self, session_key=None):
        DBStore.delete(self, session_key)
        session_key = session_key or self.session_key
        if session_key is not None:
            self._cache_call(self._cache.delete, self.cache_key_prefix + session_key, write=True)

    # cached_db's async twins call the cache directly (aexists and adelete raise, asave logs every failure);
    # they run the methods above in a thread instead, as Django's own async session methods do for the ORM.
    async def aload(self):
        return await sync_to_async(self.load)()

    async def aexists(self, session_key):
        return await sync_to_async(self.exists)(session_key)

    async def asave(self, must_create=False):
        await sync_to_async(self.save)(must_create)

    async def adelete(self, session_key=None):
        await sync_to_async(self.delete)(session_key)

    def _cache_call(self, method, key, *args, write: bool = False):
        """`method(key, *args)`, or None when Redis is down (then a written `key` is remembered as stale)."""
        if outage.should_try():
            try:
                result = method(key, *args)
            except ERRORS as exc:
                outage.failed(exc)
            else:
                # The first answer after an outage may be a copy the outage left stale: evict, then read the database.
                if outage.answered() and key in _evict_stale(self._cache) and not write:
                    return None
                return result
        if write:
            with _stale_lock:
                _stale.add(key)
        return None


def _evict_stale(cache) -> set[str]:
    """Delete the cached copies written or deleted during the outage; returns their keys."""
    with _stale_lock:
        keys = set(_stale)
        _stale.clear()
    if not keys:
        return keys
    try:
        cache.delete_many(list(keys))
    except ERRORS as exc:
        with _stale_lock:
            _stale.update(keys)
        outage.failed(exc)
        return keys
    logger.warning("sessions: evicted %d cached sessions written or deleted during the outage", len(keys))
    return keys
