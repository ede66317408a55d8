"""Prometheus metrics for the ledger.

Labels are bounded: `value_key` is a pricing key from the table ("unknown" for unpriced models, "custom" for
models priced by an endpoint's token config), never a raw model name or a user. Figures that live in the
database (credits outstanding, users at zero, holds) are computed at scrape time by LedgerCollector.

A spend's own counts (tokens, credits, its time) go through `spend_counts`, which a process that syncs
metrics often may keep in memory between syncs (SpendCounts).
"""

from __future__ import annotations

import logging
import os
import threading
from functools import lru_cache

from django.db import DatabaseError
from prometheus_client import REGISTRY, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

TOKENS = Counter("ledger_tokens_total", "Tokens charged, by pricing key and token type.", ["value_key", "token_type"])
CREDITS_SPENT = Counter(
    "ledger_credits_spent_total",
    "Credits charged for tokens and priced calls, by pricing key (a call's kind) and token type.",
    ["value_key", "token_type"],
)
CALLS = Counter(
    "ledger_calls_total", "Priced calls charged (images, searches, sessions, tool calls), by kind.", ["kind"]
)
CREDITS_WRITTEN_OFF = Counter(
    "ledger_credits_written_off_total", "Charges a balance could not absorb because balances stop at zero."
)
DUPLICATE_SPENDS = Counter("ledger_duplicate_spends_total", "Spend rows skipped because their message was charged.")
CREDITS_GRANTED = Counter("ledger_credits_granted_total", "Credits added by operators' grants.")
CREDITS_REMOVED = Counter("ledger_credits_removed_total", "Credits removed by operators' negative grants.")
CHECKS = Counter("ledger_balance_checks_total", "Balance checks, by outcome (allowed, denied).", ["outcome"])
REFILLS = Counter("ledger_refills_total", "Auto-refills applied, by trigger (check, job).", ["trigger"])
REFILL_CREDITS = Counter("ledger_refill_credits_total", "Credits added by auto-refills.")
HOLDS = Counter("ledger_holds_total", "Holds by event (created, settled, released, expired).", ["event"])
SPEND_SECONDS = Histogram("ledger_spend_seconds", "Time to record one spend (all its rows, one transaction).")


@lru_cache(maxsize=2048)
def spend_counters(value_key: str, token_type: str) -> tuple:
    """The TOKENS and CREDITS_SPENT children for one label pair, looked up once (labels() takes a lock each call)."""
    return TOKENS.labels(value_key, token_type), CREDITS_SPENT.labels(value_key, token_type)


class SpendCounts:
    """A spend's tokens, credits and time, written to TOKENS, CREDITS_SPENT and SPEND_SECONDS.

    Under gunicorn (PROMETHEUS_MULTIPROC_DIR) each inc() or observe() is a locked write into a memory-mapped
    file after a getpid() system call, six per spend (sampled in one process, about 6 % of a single API
    spend's time; docs/ledger.md "Operating"). A process that promises to call sync() every second or so and
    at exit turns keeping on (keep()): counts then wait in memory, adding to a dict under one lock, and sync()
    writes one inc() per label pair touched and one observe() per spend, the totals of writing each at once
    (but for float rounding in sums of fractional credits). chatmon's monitoring flusher does so in every
    process where its thread runs. Without keep() each count is written at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self.keeping = False
        self._amounts: dict[tuple[str, str], list[float]] = {}  # (value_key, token_type) -> [tokens, credits]
        self._seconds: list[float] = []

    def keep(self) -> None:
        self.keeping = True

    def count(self, value_key: str, token_type: str, tokens: float, credits: float) -> None:
        if not self.keeping:
            tokens_counter, credits_counter = spend_counters(value_key, token_type)
            tokens_counter.inc(tokens)
            credits_counter.inc(credits)
            return
        with self._lock:
            amounts = self._amounts.get((value_key, token_type))
            if amounts is None:
                self._amounts[value_key, token_type] = [tokens, credits]
            else:
                amounts[0] += tokens
                amounts[1] += credits

    def timed(self, seconds: float) -> None:
        if not self.keeping:
            SPEND_SECONDS.observe(seconds)
            return
        with self._lock:
            self._seconds.append(seconds)

    def sync(self) -> None:
        """Write what was kept since the last sync."""
        with self._sync_lock:  # two syncs must not write one batch twice (a thread and a scrape at once)
            with self._lock:
                amounts, self._amounts = self._amounts, {}
                seconds, self._seconds = self._seconds, []
            for (value_key, token_type), (tokens, credits) in amounts.items():
                tokens_counter, credits_counter = spend_counters(value_key, token_type)
                tokens_counter.inc(tokens)
                credits_counter.inc(credits)
            for each in seconds:
                SPEND_SECONDS.observe(each)

    def _after_fork_in_child(self) -> None:
        # The parent's kept counts are the parent's to write; the child keeps none until it promises to sync.
        # Locks are made anew: another thread may have held one at the moment of the fork.
        self.__init__()


spend_counts = SpendCounts()
os.register_at_fork(after_in_child=spend_counts._after_fork_in_child)


def count_call(kind: str, quantity: float, credits: float, written_off: float) -> None:
    """A call row's figures; `kind` is one of the five call kinds, so the labels stay bounded."""
    CALLS.labels(kind).inc(quantity)
    CREDITS_SPENT.labels(kind, "call").inc(abs(credits))
    CREDITS_WRITTEN_OFF.inc(written_off or 0)


class LedgerCollector:
    """Balance and hold gauges read from the database at scrape time."""

    def collect(self):
        from ledger.selectors import ledger_totals

        try:
            totals = ledger_totals()
        except DatabaseError:
            logger.warning("ledger: could not read balance gauges", exc_info=True)
            return
        yield GaugeMetricFamily("ledger_credits_outstanding", "Credits in all balances.", value=totals["credits"])
        yield GaugeMetricFamily("ledger_users_at_zero", "Balances with no credits left.", value=totals["at_zero"])
        yield GaugeMetricFamily(
            "ledger_active_holds", "Holds neither settled, released nor expired.", value=totals["holds"]
        )
        yield GaugeMetricFamily("ledger_held_credits", "Credits reserved by active holds.", value=totals["held"])

    def describe(self):
        # Empty, so registering the collector does not query the database.
        return []


_registered: list[LedgerCollector] = []


def register_collector() -> LedgerCollector:
    """Called from LedgerConfig.ready(); registering twice would report every gauge twice. Returns the collector
    (the app lists it in `scrape_collectors` for registries built per scrape, as in multiprocess mode)."""
    if not _registered:
        _registered.append(LedgerCollector())
        REGISTRY.register(_registered[0])
    return _registered[0]
