"""The price table in force at a moment: the shipped table with operators' PriceOverride rows merged in.

Each process keeps every override row it read, those that start later included, and switches them on by time:
a price scheduled for midnight applies from midnight with nothing to re-read. What a process cannot see is a
row another process created, edited or deleted since; so every change replaces a version stamp in the shared
cache (LEDGER_PRICE_CACHE_ALIAS, Redis) once its transaction commits, and pricing compares the stamp (one cache
read, no query, at most every LEDGER_PRICE_STAMP_SECONDS: 1 s) and re-reads the rows when it changed. An
override saved at least that long before its `effective_from` therefore applies in every process from its
start exactly; one starting at once, within that second. When the stamp cannot be read (the cache
unreachable, or a per-process cache), rows are re-read every LEDGER_PRICE_CACHE_SECONDS instead, and the
outage is logged once.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime

from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from ledger import conf
from ledger.models import PriceOverride
from ledger.pricing import PriceTable, shipped

logger = logging.getLogger(__name__)

VERSION_KEY = "ledger:price-overrides:version"
# After a failed read of the stamp, spends price from the rows they have (re-read by age) for this long rather
# than each waiting for the cache's connect timeout during an outage.
UNREACHABLE_BACKOFF_SECONDS = 5.0

_cache: dict = {
    "read_at": None, "version": None, "rows": (), "tables": {},
    "stamp_read_at": None, "stamp": None, "unreachable_until": 0.0, "unreachable": False,
}  # fmt: skip


def shared_version() -> str | None:
    """The overrides' version stamp (token and call price overrides share it: ledger/calls.py), read from the
    shared cache at most every LEDGER_PRICE_STAMP_SECONDS (a spend in between reuses the last one: no network
    round trip per spend); None when it cannot be read."""
    now = time.monotonic()
    checked = _cache["stamp_read_at"]
    if checked is not None and now - checked < conf.price_stamp_seconds():
        return _cache["stamp"]
    if now < _cache["unreachable_until"]:
        return None
    try:
        cache = caches[conf.price_cache_alias()]
        version = cache.get(VERSION_KEY)
        if version is None:  # never set, or evicted: start one that every process then agrees on
            cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
            version = cache.get(VERSION_KEY)
    except Exception as exc:
        _cache["unreachable_until"] = now + UNREACHABLE_BACKOFF_SECONDS
        _cache["stamp_read_at"] = None
        if not _cache["unreachable"]:  # once per outage, not every backoff period
            _cache["unreachable"] = True
            logger.warning("Price override version unreadable (%s); re-reading overrides by age until it is", exc)
        return None
    if _cache["unreachable"]:
        _cache["unreachable"] = False
        logger.warning("Price override version readable again")
    _cache["stamp_read_at"], _cache["stamp"] = now, version
    return version


def _override_rows() -> tuple:
    # The stamp is read before the rows: a change committed in between is then either in the rows read or
    # announced by a stamp that differs at the next call, never lost.
    version = shared_version()
    read_at = _cache["read_at"]
    expired = read_at is None or time.monotonic() - read_at > conf.price_cache_seconds()
    if expired or (version is not None and version != _cache["version"]):
        _cache["rows"] = tuple(PriceOverride.objects.order_by("effective_from", "pk"))
        _cache["tables"] = {}  # merged tables of the rows just replaced
        _cache["read_at"] = time.monotonic()
        _cache["version"] = version
    return _cache["rows"]


@receiver([post_save, post_delete], sender=PriceOverride)
def forget_overrides(using: str = "default", **_kwargs) -> None:
    _cache["read_at"] = None  # this process: at its next spend
    announce_change(using=using)


def announce_change(using: str = "default") -> None:
    """A token or call price override changed: every process re-reads its overrides at its next stamp read."""
    _cache["stamp_read_at"] = None
    # Other processes: once the change is committed, so that a process told of it reads the changed rows.
    transaction.on_commit(_publish_change, using=using)


def _publish_change() -> None:
    try:
        caches[conf.price_cache_alias()].set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:
        logger.warning(
            "Price override change not published; other processes apply it within %s s",
            conf.price_cache_seconds(),
            exc_info=True,
        )


def table_at(moment: datetime) -> PriceTable:
    """The shipped table, or a merged copy when overrides are in force at `moment` (latest start wins)."""
    rows = [row for row in _override_rows() if row.effective_from <= moment]
    if not rows:
        return shipped()
    key = tuple(row.pk for row in rows)
    if key not in _cache["tables"]:
        _cache["tables"][key] = _merged(rows)
    return _cache["tables"][key]


def _merged(rows: list[PriceOverride]) -> PriceTable:
    base = shipped()
    tokens, cache, premium = dict(base.token_values), dict(base.cache_values), dict(base.premium_values)
    for row in rows:  # oldest first, so a later start replaces an earlier one for the same pattern
        tokens[row.pattern] = {"prompt": row.prompt, "completion": row.completion}
        cache.pop(row.pattern, None)
        premium.pop(row.pattern, None)
        if row.cache_write is not None or row.cache_read is not None:
            cache[row.pattern] = {"write": row.cache_write, "read": row.cache_read}
        if row.premium_threshold is not None:
            premium[row.pattern] = {
                "threshold": row.premium_threshold,
                "prompt": row.premium_prompt,
                "completion": row.premium_completion,
            }
    return PriceTable(tokens, cache, premium, base.default_rate)
