"""The chat app's test cast: a JSON client, logged-in members, and fast, deterministic settings."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.chatapp.support import Api
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def chatapp_settings(settings):
    settings.CHATAPP_FAKE_DELAY_MS = 0
    settings.CHATAPP_FAKE_FAILURE_RATE = 0.0
    # These tests are about the chat app itself. The rate limiters that guard its routes (violations' tests
    # cover them) count in Redis for the whole session, so they would make these tests depend on each other.
    settings.VIOLATIONS_ROUTE_LIMITERS = {}


@pytest.fixture
def api(db) -> Api:
    return Api(Client())


@pytest.fixture
def member_api(member) -> Api:
    client = Client()
    client.force_login(member)
    return Api(client)


@pytest.fixture
def other(db):
    return UserFactory(username="other", password="other-pass-1")


@pytest.fixture
def other_api(other) -> Api:
    client = Client()
    client.force_login(other)
    return Api(client)
