"""Where an address is: a country (and a region where the database has one), looked up offline.

Two sources, both on this machine, never a request to a third party:
- by default the country data that the geoip2fast package ships (GeoLite2-derived, IPv4 and IPv6, loaded
  once per process on first use: about 0.2 s and 60 MB);
- an operator's MaxMind GeoLite2/GeoIP2 Country or City database (.mmdb) named by ANALYTICS_GEOIP_PATH,
  read with maxminddb; a City database also gives the region (first subdivision).
Only the country code and region name are ever returned (and stored by callers), never a coordinate.
Private, loopback, link-local and reserved addresses are "local"; an address no source knows is "unknown".
"""

from __future__ import annotations

import ipaddress
import threading
from dataclasses import dataclass
from functools import lru_cache

from chatmon.analytics import conf

LOCAL = "local"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Place:
    country: str  # ISO 3166-1 alpha-2 (upper case), LOCAL or UNKNOWN
    region: str = ""


class _Shipped:
    """geoip2fast's own data file (IPv4 and IPv6 in one)."""

    def __init__(self) -> None:
        from geoip2fast import GeoIP2Fast

        self._reader = GeoIP2Fast(geoip2fast_data_file="geoip2fast-ipv6.dat.gz")

    def place(self, address: str) -> Place:
        code = self._reader.lookup(address).country_code
        return Place(code.upper()) if len(code) == 2 and code.isalpha() else Place(UNKNOWN)


class _MaxMind:
    """A GeoLite2/GeoIP2 .mmdb (Country or City)."""

    def __init__(self, path: str) -> None:
        import maxminddb

        self._reader = maxminddb.open_database(path)

    def place(self, address: str) -> Place:
        record = self._reader.get(address) or {}
        country = (record.get("country") or record.get("registered_country") or {}).get("iso_code") or ""
        if not country:
            return Place(UNKNOWN)
        subdivisions = record.get("subdivisions") or [{}]
        region = (subdivisions[0].get("names") or {}).get("en", "")
        return Place(country.upper(), region[:100])


_source_lock = threading.Lock()
_sources: dict[str, _Shipped | _MaxMind] = {}


def _source():
    path = conf.geoip_path()
    with _source_lock:
        if path not in _sources:
            _sources[path] = _MaxMind(path) if path else _Shipped()
        return _sources[path]


def place_of(address: str) -> Place:
    """The place of an IP address given as text; LOCAL for private and special ones, UNKNOWN otherwise."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return Place(UNKNOWN)
    if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_unspecified:
        return Place(LOCAL)
    return _cached_place(conf.geoip_path(), str(ip))


@lru_cache(maxsize=65536)
def _cached_place(path: str, address: str) -> Place:
    # `path` keys the cache: pointing ANALYTICS_GEOIP_PATH elsewhere must not reuse the other source's answers.
    return _source().place(address)


def country_of(address: str) -> str:
    return place_of(address).country
