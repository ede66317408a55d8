"""Client IP: LibreChat's removePorts, and X-Forwarded-For trusted only through TRUSTED_PROXIES."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from violations.clientip import client_ip, strip_port


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("192.168.1.1", "192.168.1.1"), ("192.168.1.1:8080", "192.168.1.1"), ("10.0.0.1:65535", "10.0.0.1"),
        ("::1", "::1"), ("2001:db8::1", "2001:db8::1"), ("::ffff:192.168.1.1", "::ffff:192.168.1.1"),
        ("[::1]:8080", "::1"), ("[2001:db8::1]:443", "2001:db8::1"), ("[::1]", "::1"),
        ("::ffff:1.2.3.4:8080", "::ffff:1.2.3.4"), ("not-an-ip", "not-an-ip"), ("", ""), (None, None),
    ],
)  # fmt: skip
def test_it_strips_ports_like_librechat(address, expected):
    assert strip_port(address) == expected


def request(xff=None, remote="10.0.0.1"):
    extra = {"HTTP_X_FORWARDED_FOR": xff} if xff else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


def test_it_ignores_a_spoofed_forwarded_header_without_trusted_proxies():
    assert client_ip(request("6.6.6.6")) == "10.0.0.1"


def test_it_takes_the_hop_before_a_trusted_proxy_count(settings):
    settings.VIOLATIONS_TRUSTED_PROXIES = 1
    # The client claims 6.6.6.6; our one proxy (10.0.0.1) appended the address that really connected to it.
    assert client_ip(request("6.6.6.6, 203.0.113.7")) == "203.0.113.7"


def test_it_walks_back_over_trusted_proxy_networks(settings):
    settings.VIOLATIONS_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(request("6.6.6.6, 203.0.113.7, 10.1.1.1")) == "203.0.113.7"
    assert client_ip(request("6.6.6.6", remote="198.51.100.9")) == "198.51.100.9"


def test_it_normalizes_ipv6_brackets_ports_and_mapped_ipv4(settings):
    settings.VIOLATIONS_TRUSTED_PROXIES = 1
    assert client_ip(request("[2001:DB8::1]:443")) == "2001:db8::1"
    assert client_ip(request(remote="::ffff:192.0.2.5")) == "192.0.2.5"


def test_it_falls_back_to_the_peer_when_the_forwarded_header_is_garbage(settings):
    settings.VIOLATIONS_TRUSTED_PROXIES = 1
    assert client_ip(request("not an address")) == "10.0.0.1"


def test_it_shows_staff_how_the_ip_was_derived(client, operator, member):
    client.force_login(member)
    assert client.get("/violations/client-ip/").status_code == 302
    client.force_login(operator)
    page = client.get("/violations/client-ip/", HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="10.0.0.1")
    assert page.status_code == 200
    assert b'<strong id="client-ip">10.0.0.1</strong>' in page.content
    assert b"6.6.6.6" in page.content


def test_it_follows_trusted_proxies_changed_after_a_first_read(settings):
    settings.VIOLATIONS_TRUSTED_PROXIES = 0
    assert client_ip(request("6.6.6.6")) == "10.0.0.1"  # read, and remembered from here on
    settings.VIOLATIONS_TRUSTED_PROXIES = 1
    assert client_ip(request("6.6.6.6")) == "6.6.6.6"
