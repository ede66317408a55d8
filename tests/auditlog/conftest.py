"""The audit log's test cast: JSON clients for the example chat app, and a helper listing recorded events."""

from __future__ import annotations

import pytest
from django.test import Client

from auditlog.models import AuditEvent
from tests.chatapp.support import Api


@pytest.fixture(autouse=True)
def audit_settings(settings):
    settings.CHATAPP_FAKE_DELAY_MS = 0
    settings.CHATAPP_FAKE_FAILURE_RATE = 0.0
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The route limiters count in Redis for the whole session; these tests are about what gets audited.
    settings.VIOLATIONS_ROUTE_LIMITERS = {}


@pytest.fixture
def api(db) -> Api:
    return Api(Client(REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="pytest-browser/1.0"))


@pytest.fixture
def member_api(member) -> Api:
    client = Client(REMOTE_ADDR="203.0.113.8")
    client.force_login(member)
    return Api(client)


def events(*, after: int = 0, domain: str | None = None) -> list[tuple]:
    """(action, outcome, actor_label, subject_id) of the events written after event id `after`, oldest first
    (by id: an event has no chain position until the sealer gives it one)."""
    found = AuditEvent.objects.filter(id__gt=after).order_by("id")
    if domain:
        found = found.filter(domain=domain)
    return list(found.values_list("action", "outcome", "actor_label", "subject_id"))


def last_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
