"""Fixtures for violations: a clean Redis namespace and ban view per test, bans switched on, a private Valkey."""

from __future__ import annotations

import pytest

from violations import store
from violations.banview import view

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"


def clear_namespace() -> None:
    connection = store.client()
    keys = list(connection.scan_iter(match=store.key("*"), count=1000))
    if keys:
        connection.delete(*keys)


@pytest.fixture(autouse=True)
def clean_violations(settings):
    settings.ROOT_URLCONF = "tests.violations.urls"
    # Start from the app's own defaults (no routes guarded); each test names the routes it guards.
    for name in ("ROUTE_LIMITERS", "CONCURRENT_URL_NAMES", "STREAMING_URL_NAMES", "NON_BROWSER_URL_NAMES"):
        setattr(settings, f"VIOLATIONS_{name}", {} if name == "ROUTE_LIMITERS" else [])
    clear_namespace()
    view.reset()
    yield
    view.reset()


@pytest.fixture
def private_redis(valkey, settings):
    """Point violations at a Valkey the test may stop (the session's Redis stays up for everyone else)."""
    settings.VIOLATIONS_REDIS_URL = valkey.url
    view.reset()
    return valkey
