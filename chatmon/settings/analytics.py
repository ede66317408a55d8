"""Analytics: environment variables mapped to ANALYTICS_* settings (defaults and meanings in
chatmon/analytics/conf.py). See docs/analytics.md."""

from __future__ import annotations

from chatmon.settings.env import env

ANALYTICS_GEOIP_PATH = env.str("ANALYTICS_GEOIP_PATH", default="")
