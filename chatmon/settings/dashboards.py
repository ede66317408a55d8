"""Dashboards: environment variables mapped to DASHBOARDS_* settings (defaults and meanings in
chatmon/dashboards/conf.py). See docs/dashboards.md."""

from __future__ import annotations

from chatmon.settings.env import env

DASHBOARDS_BACKFILL_DAYS = env.int("DASHBOARDS_BACKFILL_DAYS", default=31)
DASHBOARDS_REDO_HOURS = env.int("DASHBOARDS_REDO_HOURS", default=1)
DASHBOARDS_LEASE_SECONDS = env.int("DASHBOARDS_LEASE_SECONDS", default=300)
DASHBOARDS_TOP_N = env.int("DASHBOARDS_TOP_N", default=10)
DASHBOARDS_GRANT_CONFIRM_CREDITS = env.float("DASHBOARDS_GRANT_CONFIRM_CREDITS", default=100_000_000)
DASHBOARDS_SURGE_MIN_CREDITS = env.float("DASHBOARDS_SURGE_MIN_CREDITS", default=10_000)
