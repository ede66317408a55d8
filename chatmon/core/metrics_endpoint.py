"""/metrics: Prometheus exposition behind a bearer token or an address allowlist.

Multiprocess mode (several gunicorn workers, PROMETHEUS_MULTIPROC_DIR set): the per-process metric files are
aggregated by prometheus_client's MultiProcessCollector, and the apps' scrape-time collectors (balances,
active bans, queue depths: values computed from the database or Redis when scraped), which each app lists in
its AppConfig's `scrape_collectors`, are added to the same registry, since they live outside those files.
"""

from __future__ import annotations

import hmac
import ipaddress
import os

import prometheus_client
from django.apps import apps
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from prometheus_client import multiprocess

from chatmon.core import conf, signals

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


def _token_ok(request: HttpRequest) -> bool:
    token = conf.metrics_token()
    header = request.headers.get("Authorization", "")
    return bool(token) and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip(), token)


def _address_ok(request: HttpRequest) -> bool:
    """The direct peer (REMOTE_ADDR, never X-Forwarded-For: a scraper talks to us directly) is allowed."""
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    allowed = _allowed_networks()
    if not conf.metrics_token() and not allowed and settings.DEBUG:
        allowed = list(LOOPBACK)  # development: open on loopback only
    return any(address in net for net in allowed)


def metrics(request: HttpRequest) -> HttpResponse:
    if _token_ok(request) or _address_ok(request):
        signals.metrics_requested.send(sender=None)  # buffered metrics (request monitoring) are written first
        return HttpResponse(
            prometheus_client.generate_latest(_registry()), content_type=prometheus_client.CONTENT_TYPE_LATEST
        )
    response = JsonResponse(
        {"message": "Metrics require 'Authorization: Bearer <METRICS_TOKEN>' or an allowed address."},
        status=401 if conf.metrics_token() else 403,
    )
    if conf.metrics_token():
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response


def _allowed_networks() -> list:
    """METRICS_ALLOWED_IPS as networks; entries that do not parse are skipped (system check chatmon.W007)."""
    networks = []
    for entry in conf.metrics_allowed_ips():
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            continue
    return networks


def _registry() -> prometheus_client.CollectorRegistry:
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        return prometheus_client.REGISTRY
    registry = prometheus_client.CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    for collector in _scrape_time_collectors():
        registry.register(collector)
    return registry


def _scrape_time_collectors() -> list:
    """The installed apps' scrape-time collectors, which each app lists in its AppConfig's `scrape_collectors`
    (their values are computed when scraped, so they are in no metric file). prometheus_client has no public
    way to list a registry's collectors, hence the apps name their own."""
    return [collector for config in apps.get_app_configs() for collector in getattr(config, "scrape_collectors", ())]
