"""/metrics: django-prometheus' exporter behind a bearer token or an address allowlist.

Multiprocess mode (several gunicorn workers) is handled by django-prometheus' view, which aggregates
the files under PROMETHEUS_MULTIPROC_DIR when that variable is set.
"""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django_prometheus.exports import ExportToDjangoView

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


def _token_ok(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    return bool(token) and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip(), token)


def _address_ok(request: HttpRequest) -> bool:
    """The direct peer (REMOTE_ADDR, never X-Forwarded-For: a scraper talks to us directly) is allowed."""
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    allowed = _allowed_networks()
    if not settings.METRICS_TOKEN and not allowed and settings.DEBUG:
        allowed = list(LOOPBACK)  # development: open on loopback only
    return any(address in net for net in allowed)


def metrics(request: HttpRequest) -> HttpResponse:
    if _token_ok(request) or _address_ok(request):
        return ExportToDjangoView(request)
    response = JsonResponse(
        {"message": "Metrics require 'Authorization: Bearer <METRICS_TOKEN>' or an allowed address."},
        status=401 if settings.METRICS_TOKEN else 403,
    )
    if settings.METRICS_TOKEN:
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response


def _allowed_networks() -> list:
    """METRICS_ALLOWED_IPS as networks; entries that do not parse are skipped (system check chatmon.W007)."""
    networks = []
    for entry in settings.METRICS_ALLOWED_IPS:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            continue
    return networks
