"""Fixtures for the dashboards: a signed-in staff client and traffic that leaves rows in every rollup."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from chatmon.dashboards.rollups import roll_up
from chatmon.monitoring import flusher
from chatmon.monitoring.compaction import compact
from ledger import services as ledger
from tests.chatapp.support import Api
from violations import services as violations
from violations.types import ViolationType


@pytest.fixture
def staff_client(client, operator):
    client.force_login(operator)
    return client


@pytest.fixture
def traffic(django_user_model, settings):
    """Real chat traffic through the chat app (requests, streams, spends), violations and a ban, then the
    monitoring flush and compaction and the usage rollup job: what a few minutes of production leave behind."""
    settings.LEDGER_BALANCE_ENABLED = True
    settings.CHATAPP_FAKE_DELAY_MS = 0  # the provider's pause between chunks only slows the test
    users = [
        django_user_model.objects.create_user(f"chatter{i}", f"c{i}@example.com", "chat-pass-123") for i in range(3)
    ]
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
    flusher.flush()
    compact(now=time.time() + 120)  # the current minute counts as finished
    roll_up()
    return users
