"""Dashboard and usage-rollup settings, read at call time so that override_settings works (defaults here)."""

from __future__ import annotations

from django.conf import settings


def backfill_days() -> int:
    # A first rollup run (empty cursor) computes this many past days from raw rows, then only recent hours.
    return getattr(settings, "DASHBOARDS_BACKFILL_DAYS", 31)


def redo_hours() -> int:
    # Hours before the cursor recomputed on every run: rows committed late (a spend that started before the
    # hour turned) still land in their hour.
    return getattr(settings, "DASHBOARDS_REDO_HOURS", 1)


def lease_seconds() -> int:
    # A run that crashed holds the cursor at most this long; then the next run takes over.
    return getattr(settings, "DASHBOARDS_LEASE_SECONDS", 300)


def top_n() -> int:
    # Rows in "top spenders", "top offenders" and "slowest routes" tables.
    return getattr(settings, "DASHBOARDS_TOP_N", 10)


def grant_confirm_credits() -> float:
    # User 360 asks for an explicit confirmation of a grant (or removal) of at least this many credits
    # (100,000,000 = 100 USD at LibreChat's rate): a slipped key should not hand out a fortune.
    return float(getattr(settings, "DASHBOARDS_GRANT_CONFIRM_CREDITS", 100_000_000))


def surge_min_credits() -> float:
    # A user is judged against their usual spend rate only once they spent this much in the window (10,000
    # credits = 0.01 USD): 50 credits against a usual 1 an hour is a ratio of 50 and no anomaly worth a page.
    return float(getattr(settings, "DASHBOARDS_SURGE_MIN_CREDITS", 10_000))
