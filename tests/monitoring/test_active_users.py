"""Active users: distinct signed-in users per minute in a HyperLogLog fed by the batched flush."""

from __future__ import annotations

import re
import time

import pytest

from chatmon.monitoring import flusher
from chatmon.monitoring.compaction import compact
from chatmon.monitoring.models import ActiveUsers
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def active_users(text: str) -> float:
    return float(re.search(r"^chatmon_active_users (\S+)$", text, re.M).group(1))


def test_it_counts_distinct_signed_in_users_and_not_anonymous_ones(client, scrape):
    for user in UserFactory.create_batch(3):
        client.force_login(user)
        for _ in range(4):
            client.get("/healthz")
    client.logout()
    client.get("/healthz")
    flusher.flush()
    assert active_users(scrape()) == 3


def test_it_stores_per_minute_and_per_day_counts(client, member, operator):
    for user in (member, operator, member):
        client.force_login(user)
        client.get("/healthz")
    flusher.flush()
    compact(now=time.time() + 60)

    assert ActiveUsers.objects.get(resolution="minute").users == 2
    assert ActiveUsers.objects.get(resolution="day").users == 2
