"""The price table in force at a moment: the shipped table with operators' PriceOverride rows merged in.

Each process keeps what it read for LEDGER_PRICE_CACHE_SECONDS (edits in this process clear it at once), so
pricing a spend costs no query in the common case. Overrides that start later are read too and switched on
by time, so a price change scheduled for midnight takes effect at midnight, not up to a cache period later.
"""

from __future__ import annotations

import time
from datetime import datetime

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from ledger import conf
from ledger.models import PriceOverride
from ledger.pricing import PriceTable, shipped

_cache: dict = {"read_at": None, "rows": (), "tables": {}}


def _override_rows() -> tuple:
    read_at = _cache["read_at"]
    if read_at is None or time.monotonic() - read_at > conf.price_cache_seconds():
        _cache["rows"] = tuple(PriceOverride.objects.order_by("effective_from", "pk"))
        _cache["tables"] = {}  # merged tables of the rows just replaced
        _cache["read_at"] = time.monotonic()
    return _cache["rows"]


@receiver([post_save, post_delete], sender=PriceOverride)
def forget_overrides(**_kwargs) -> None:
    _cache["read_at"] = None


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
