"""The one client-IP resolver for limiters, bans, the audit log and logs (`client_ip(request) -> str`).

REMOTE_ADDR is the client unless TRUSTED_PROXIES says which hops to trust: a hop count, or the proxies'
IPs/CIDRs. Without it X-Forwarded-For is ignored, so a client cannot name another address to escape an IP
ban or a per-IP limit. Hop selection and header parsing (brackets, ports, IPv4-mapped) are django-ipware's.
"""

from __future__ import annotations

import functools
import ipaddress
from typing import Any

from django.http import HttpRequest
from ipware import get_client_ip

from violations import conf

FORWARDED_HEADER = "HTTP_X_FORWARDED_FOR"


def strip_port(address: str | None) -> str | None:
    """LibreChat's removePorts: `[v6]:port` -> `v6`; `v4:port` and `::ffff:v4:port` -> without the port;
    anything else (bare IPv6, garbage, "" or None) unchanged."""
    if not address:
        return address
    if address.startswith("["):
        end = address.find("]")
        if end > 0:
            return address[1:end]
    head, sep, tail = address.rpartition(":")
    if sep and "." in address and tail.isdigit():
        return head
    return address


@functools.lru_cache(maxsize=4096)  # per request, often more than once; the same few addresses recur
def normalize(address: str | None) -> str:
    """Canonical text of an address (port stripped, IPv4-mapped IPv6 as IPv4); "" when it is not an IP."""
    text = (strip_port((address or "").strip()) or "").split("%", 1)[0]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    return str(ip)


def _chain(request: HttpRequest) -> list[str]:
    """Every hop, client first: the X-Forwarded-For entries, then the address that connected to us."""
    forwarded = request.META.get(FORWARDED_HEADER, "")
    hops = [part.strip() for part in forwarded.split(",") if part.strip()]
    return [*hops, request.META.get("REMOTE_ADDR", "")]


def _trusted_hops(chain: list[str], trusted: int | tuple) -> int:
    """How many hops at the right end of the chain are trusted proxies (`trusted`: conf.trusted_proxies())."""
    if isinstance(trusted, int):
        return max(trusted, 0)
    count = 0
    for hop in reversed(chain[1:]):  # the leftmost entry is always the client candidate
        address = normalize(hop)
        if not address or not any(ipaddress.ip_address(address) in net for net in trusted):
            break
        count += 1
    return count


def _resolve(chain: list[str], hops: int) -> str:
    remote = normalize(chain[-1])
    hops = min(hops, len(chain) - 1)  # a shorter chain than configured: its leftmost hop is the client
    if hops == 0:
        return remote
    meta = {FORWARDED_HEADER: ", ".join(chain)}
    address, _routable = get_client_ip(
        meta_request(meta), proxy_count=hops, request_header_order=[FORWARDED_HEADER], strict=False
    )
    return normalize(address) or remote


class meta_request:
    def __init__(self, meta: dict[str, str]) -> None:
        self.META = meta


def client_ip(request: HttpRequest) -> str:
    """The client's address as canonical text ("" when the server gave none)."""
    trusted = conf.trusted_proxies()
    if not trusted:  # no proxy trusted (the default): X-Forwarded-For is never read, the peer is the client
        return normalize(request.META.get("REMOTE_ADDR", ""))
    chain = _chain(request)
    return _resolve(chain, _trusted_hops(chain, trusted))


def explain(request: HttpRequest) -> dict[str, Any]:
    """How client_ip() derived the address, for the staff diagnostic page."""
    chain = _chain(request)
    trusted = conf.trusted_proxies()
    hops = _trusted_hops(chain, trusted)
    return {
        "remote_addr": request.META.get("REMOTE_ADDR", ""),
        "x_forwarded_for": request.META.get(FORWARDED_HEADER, ""),
        "trusted_proxies": trusted if isinstance(trusted, int) else [str(net) for net in trusted],
        "chain": chain,
        "trusted_hops": hops,
        "client_ip": _resolve(chain, hops),
    }
