"""Shared fixtures: real services (Celery worker, extra Valkey servers, Chromium) and a cast of users."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from chatmon.testing.valkey import start_valkey
from chatmon.testing.worker import WorkerProcess
from tests.factories import OperatorFactory, UserFactory

OUTPUT_DIR = Path(os.environ.get("CHATMON_TEST_OUTPUT", Path(__file__).resolve().parent.parent / "test-output"))
CHROMIUM = os.environ.get("CHATMON_CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() == "true"


def require(condition: bool, reason: str) -> None:
    """Skip on a developer's machine, fail in CI: CI must never pass by skipping a real-service test."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def pytest_collection_modifyitems(session, config, items) -> None:
    """Browser tests last: Playwright's sync API leaves an event loop in the main thread, and async views
    (django-health-check's) called through the test client afterwards would refuse to run beside it."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """Django's real hashers spend ~0.5 s per password on purpose; tests create and log in many users.
    (Subprocesses such as `make run`'s stack keep the real hasher.)"""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_api_memories():
    """Each test's database starts over (ids are reused after a rollback), so the API's per-process memories
    of keys and callers' users must too (chatmon/core/recent.py), and the ledger's of the settings each user's
    balance was synced with."""
    from chatmon.api import keys, users
    from ledger import admission

    keys.verified.clear()
    users.recently_resolved.clear()
    users.STAMP.reset()
    admission.synced_settings.clear()


@pytest.fixture
def clean_monitoring():
    """An empty monitoring buffer and no flushed rollups in Redis (the namespace is this session's own)."""
    from chatmon.monitoring.aggregator import buffer
    from tests.monitoring.conftest import delete_monitoring_keys

    buffer.drain()
    delete_monitoring_keys()
    yield
    buffer.drain()


@pytest.fixture
def no_cached_prices(db):
    """Token and call price overrides that other tests created (and rolled back) must not linger in this
    process's price caches (ledger/overrides.py, ledger/calls.py)."""
    from ledger import calls, overrides

    overrides.forget_overrides()
    calls.forget_overrides()
    yield
    overrides.forget_overrides()
    calls.forget_overrides()


@pytest.fixture(scope="session")
def output_dir() -> Path:
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    return OUTPUT_DIR


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, output_dir):
    """One real Celery worker process for the session, reading and writing the test database."""
    with django_db_blocker.unblock():
        worker = WorkerProcess(output_dir / "celery-worker.log")
        worker.start()
    yield worker
    worker.stop()


@pytest.fixture
def valkey():
    """A private Valkey server that a test may stop (to simulate an outage) without touching the session's."""
    server = start_valkey()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    require(Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls tests make beside it are still
    # synchronous, so Django's async-safety guard must be told so.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"],
        )  # fmt: skip
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def operator(db):
    return OperatorFactory(username="operator", password="operator-pass-1")


@pytest.fixture
def member(db):
    return UserFactory(username="member", password="member-pass-1")


@pytest.fixture
def balances_on(settings):
    """Balances switched on (LibreChat's CHECK_BALANCE) with the start balance and no auto-refill."""
    settings.LEDGER_BALANCE_ENABLED = True
    settings.LEDGER_START_BALANCE = 20000
    settings.LEDGER_AUTO_REFILL_ENABLED = False
    return settings


@pytest.fixture
def bans_on(settings):
    """Automatic bans switched on (LibreChat's BAN_VIOLATIONS) with its default interval and duration."""
    settings.VIOLATIONS_BAN_ENABLED = True
    settings.VIOLATIONS_BAN_INTERVAL = 20
    settings.VIOLATIONS_BAN_DURATION_MS = 7_200_000
    return settings


@pytest.fixture
def no_recent_requests():
    """No request rollups still in Redis or in this process's buffer (alert rules and the last hour's buckets
    read them besides the database): each test using it starts and ends without any."""
    from chatmon.monitoring import conf, store
    from chatmon.monitoring.aggregator import buffer

    conn = store.client()
    keys = list(conn.scan_iter(match=f"{conf.redis_prefix()}:*", count=500))
    if keys:
        conn.delete(*keys)
    buffer.drain()
    yield
    buffer.drain()
