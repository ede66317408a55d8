"""Fixtures for the dashboards: a signed-in staff client and traffic that leaves rows in every rollup."""

from __future__ import annotations

import re
import time
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from chatmon.dashboards.rollups import roll_up
from chatmon.monitoring import flusher
from chatmon.monitoring.compaction import compact
from ledger import services as ledger
from tests.chatapp.support import Api
from tests.factories import UserFactory
from violations import services as violations
from violations.types import ViolationType


@pytest.fixture
def staff_client(client, operator):
    client.force_login(operator)
    return client


@pytest.fixture
def traffic(db, settings):
    """Real chat traffic through the chat app (requests, streams, spends), violations and a ban, then the
    monitoring flush and compaction and the usage rollup job: what a few minutes of production leave behind."""
    settings.LEDGER_BALANCE_ENABLED = True
    settings.CHATAPP_FAKE_DELAY_MS = 0  # the provider's pause between chunks only slows the test
    users = [UserFactory(username=f"chatter{i}", password="chat-pass-123") for i in range(3)]
    client = Client()  # its own client: a test's `client` may be signed in as staff
    for i, user in enumerate(users):
        client.force_login(user)
        api = Api(client)
        for model in ("gpt-4o", "claude-sonnet-4")[: i + 1]:
            api.chat(model=model, text=f"hello number {i} from {model}")
        api.get("conversations")
        client.logout()
    violations.log_violation(type=ViolationType.LOGINS, ip="203.0.113.9", score=3)
    violations.log_violation(type=ViolationType.MESSAGE_LIMIT, user=users[0], score=2)
    violations.ban(user=users[2], duration_ms=3_600_000, reason="dashboard test")
    ledger.grant_credits(user=users[1], amount=500, reason="dashboard test")
    run_rollup_jobs()
    return users


@pytest.fixture
def loadgen_traffic(live_server, settings):
    """A few seconds of `manage.py loadgen` over real HTTP against the live server (normal users chatting,
    abusive ones brute-forcing logins, flooding and scripting), then the rollup jobs. Returns loadgen's summary."""
    settings.LEDGER_BALANCE_ENABLED = True
    settings.CHATAPP_FAKE_DELAY_MS = 0
    settings.CHATAPP_FAKE_FAILURE_RATE = 0.0
    # loadgen tells its simulated clients apart by X-Forwarded-For, which only a server trusting one hop reads.
    settings.VIOLATIONS_TRUSTED_PROXIES = 1
    # Only the chat app's login limiter, mapped as chatmon/settings/violations.py maps it but tighter, so one
    # round of 5 guesses overflows it whatever the environment says; three "logins" violations ban the address.
    settings.VIOLATIONS_ROUTE_LIMITERS = {"chatapp:login": ["login"]}
    settings.VIOLATIONS_RATE_LIMITS = {"login": {"max": 3, "window_seconds": 60}}
    settings.VIOLATIONS_BAN_ENABLED = True
    settings.VIOLATIONS_BAN_INTERVAL = 3
    # Limiter windows and scores live in Redis, which the database flush between tests leaves alone: a second
    # run within the same minute would find loadgen's addresses over their limit. Each run counts afresh.
    settings.VIOLATIONS_KEY_PREFIX = f"test-loadgen-{uuid.uuid4().hex}"
    out = StringIO()
    options = {"users": 4, "abusive_share": 0.5, "duration": 3, "think": 0.2, "seed": 7}
    call_command("loadgen", base_url=live_server.url, wait_ready=True, stdout=out, **options)
    summary = out.getvalue()
    assert re.search(r"^chat\s+200 complete\s+\d+$", summary, re.M), summary
    assert re.search(r"^login \(brute force\)\s+429\s+\d+$", summary, re.M), summary
    run_rollup_jobs()
    return summary


def run_rollup_jobs() -> None:
    """What the beat jobs do every minute: this process' request buffer flushed to Redis, the finished
    minutes compacted into rollup rows, then the hourly usage rollup."""
    flusher.flush()
    compact(now=time.time() + 120)  # the current minute counts as finished
    roll_up()
