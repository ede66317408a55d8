"""Analytics settings (read at call time, so tests and operators can change them without a restart)."""

from __future__ import annotations

from django.conf import settings


def geoip_path() -> str:
    # A MaxMind GeoLite2/GeoIP2 Country or City database (.mmdb). Empty: the country data geoip2fast ships.
    return str(getattr(settings, "ANALYTICS_GEOIP_PATH", "") or "")
