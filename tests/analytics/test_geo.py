"""Offline GeoIP: known public addresses land in their countries with the shipped data, special ones are local,
and an operator's .mmdb takes over when ANALYTICS_GEOIP_PATH names one."""

from __future__ import annotations

import pytest

from chatmon.analytics import geo

KNOWN = {
    "8.8.8.8": "US",  # Google public DNS
    "1.1.1.1": "AU",  # APNIC/Cloudflare research prefix, registered in Australia
    "193.0.6.139": "NL",  # RIPE NCC, Amsterdam
    "81.2.69.142": "GB",  # MaxMind's own test address
    "2001:4860:4860::8888": "US",
    "2a00:1450:4001:80b::200e": "DE",
}


@pytest.mark.parametrize(("address", "country"), KNOWN.items())
def test_known_addresses_land_in_their_country(address, country):
    assert geo.place_of(address) == geo.Place(country)


@pytest.mark.parametrize(
    "address", ["10.1.2.3", "192.168.0.7", "127.0.0.1", "::1", "fe80::1", "0.0.0.0", "203.0.113.5"]
)
def test_private_loopback_and_documentation_addresses_are_local(address):
    assert geo.country_of(address) == geo.LOCAL


@pytest.mark.parametrize("address", ["", "not an ip", "999.1.1.1", "1.2.3.4/24", "x" * 10_000])
def test_anything_else_is_unknown_not_an_error(address):
    assert geo.country_of(address) == geo.UNKNOWN


def test_an_operators_mmdb_is_used_when_configured(settings, tmp_path):
    """A GeoLite2-City-shaped database written here gives the country and region, never the coordinates."""
    from mmdb_writer import MMDBWriter
    from netaddr import IPSet

    writer = MMDBWriter(ip_version=4, database_type="GeoLite2-City")
    writer.insert_network(
        IPSet(["81.2.69.0/24"]),
        {"country": {"iso_code": "GB"}, "subdivisions": [{"names": {"en": "England"}}],
         "location": {"latitude": 51.5, "longitude": -0.1}},
    )  # fmt: skip
    path = tmp_path / "city.mmdb"
    writer.to_db_file(str(path))
    settings.ANALYTICS_GEOIP_PATH = str(path)
    assert geo.place_of("81.2.69.142") == geo.Place("GB", "England")
    assert geo.place_of("8.8.8.8") == geo.Place(geo.UNKNOWN)  # not in this small database
    settings.ANALYTICS_GEOIP_PATH = ""
    assert geo.place_of("8.8.8.8") == geo.Place("US")  # the shipped data again, not a cached answer
