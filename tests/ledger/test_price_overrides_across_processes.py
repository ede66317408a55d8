"""A price override (token or call) created, edited or deleted in one process applies in another from the next
spend on; without the shared cache, within LEDGER_PRICE_CACHE_SECONDS.

Each process caches the override rows; the other process here has just read them and would keep them for
LEDGER_PRICE_CACHE_SECONDS (an hour here) if it were not told of the change through the shared cache.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from chatmon.testing.worker import database_url
from ledger import overrides
from ledger.models import CallPriceOverride, PriceOverride

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


class Reader:
    """The other process: asks it for gpt-4o's prompt rate at a moment."""

    def __init__(self, stamp_seconds: str = "0") -> None:
        env = {**os.environ, "DATABASE_URL": database_url(), "LEDGER_PRICE_CACHE_SECONDS": "3600",
               "LEDGER_PRICE_STAMP_SECONDS": stamp_seconds}  # fmt: skip
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.ledger.price_reader"],
            env=env, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.process.stdout.readline().strip() == "ready", self.process.stderr.read()[-2000:]

    def rate_at(self, moment, what: str = "") -> float:
        self.process.stdin.write(f"{moment.isoformat()} {what}\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline().strip()
        assert answer, self.process.stderr.read()[-2000:]
        return float(answer)

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture
def reader():
    other = Reader()
    yield other
    other.stop()


def test_it_charges_a_new_override_from_its_start_in_another_process(reader):
    start = timezone.now() + timedelta(minutes=10)
    assert reader.rate_at(start + timedelta(seconds=1)) == 2.5  # the other process has read the rows

    override = PriceOverride.objects.create(pattern="gpt-4o", prompt=3, completion=12, effective_from=start)
    assert reader.rate_at(start - timedelta(microseconds=1)) == 2.5
    assert reader.rate_at(start) == 3

    override.prompt = 4
    override.save()
    assert reader.rate_at(start) == 4

    override.delete()
    assert reader.rate_at(start) == 2.5


def test_it_applies_an_override_starting_now_at_the_next_spend_in_another_process(reader):
    now = timezone.now()
    assert reader.rate_at(now) == 2.5
    PriceOverride.objects.create(pattern="gpt-4o", prompt=5, completion=12, effective_from=now)
    assert reader.rate_at(now) == 5


def test_it_charges_a_call_price_override_from_its_start_in_another_process(reader):
    """Call prices follow the same version stamp: the other process, holding the call overrides it read an hour
    long, prices a new, an edited and a deleted one from their start."""
    start = timezone.now() + timedelta(minutes=10)
    assert reader.rate_at(start, "image") == 40_000  # the other process has read the call overrides

    override = CallPriceOverride.objects.create(
        kind="image", name="dall-e-3", size="1024x1024", quality="standard", price=30_000, effective_from=start
    )
    assert reader.rate_at(start - timedelta(microseconds=1), "image") == 40_000
    assert reader.rate_at(start, "image") == 30_000

    override.price = 25_000
    override.save()
    assert reader.rate_at(start, "image") == 25_000

    override.delete()
    assert reader.rate_at(start, "image") == 40_000


def test_by_default_a_change_reaches_another_process_within_the_stamp_interval():
    """With the default 1 s between stamp reads, a spend right after the save may still see the old price
    (no round trip to Redis per spend); a second later every process has it."""
    reader = Reader(stamp_seconds="1")
    try:
        now = timezone.now()
        assert reader.rate_at(now) == 2.5
        PriceOverride.objects.create(pattern="gpt-4o", prompt=6, completion=12, effective_from=now)
        time.sleep(1.1)
        assert reader.rate_at(now) == 6
    finally:
        reader.stop()


def test_it_prices_by_age_when_the_shared_cache_is_unreachable(settings, caplog):
    settings.CACHES = {**settings.CACHES, "gone": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                                   "LOCATION": "redis://127.0.0.1:9/0"}}  # fmt: skip
    settings.LEDGER_PRICE_CACHE_ALIAS = "gone"
    settings.LEDGER_PRICE_CACHE_SECONDS = 0  # re-read at every spend, as the fallback promises after this long
    try:
        now = timezone.now()
        assert overrides.table_at(now).multiplier(model="gpt-4o", token_type="prompt") == 2.5
        PriceOverride.objects.create(pattern="gpt-4o", prompt=7, completion=12, effective_from=now)
        assert overrides.table_at(now).multiplier(model="gpt-4o", token_type="prompt") == 7
        assert overrides.table_at(now).multiplier(model="gpt-4o", token_type="prompt") == 7
        assert caplog.text.count("Price override version unreadable") == 1  # once per outage, not per try
    finally:
        overrides._cache["unreachable_until"] = 0.0  # the next test finds the cache reachable at once
        overrides._cache["unreachable"] = False
