"""Role claims mapped to groups (synced at sign-in, audited) and a policy's per-user rate limits."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client, RequestFactory

from auditlog.models import AuditEvent
from chatmon.policies import services
from tests.factories import UserFactory
from tests.policies.conftest import policy
from violations import limiters, store

pytestmark = pytest.mark.django_db
CLAIMS = {"researcher": ["research"], "trial-user": "trial"}


def claims_of(user) -> list[str]:
    """A stand-in identity provider: the role claim is in the user's last name."""
    return user.last_name.split()


def test_claims_put_a_user_in_the_mapped_groups_and_out_of_the_ones_they_lost(settings, alice):
    settings.POLICIES_CLAIM_GROUPS = CLAIMS
    unmanaged = Group.objects.create(name="hand-made")
    alice.groups.add(unmanaged)

    assert services.sync_groups_from_claims(user=alice, claims=["researcher", "trial-user", "unknown"]) is True
    assert set(alice.groups.values_list("name", flat=True)) == {"research", "trial", "hand-made"}
    assert services.sync_groups_from_claims(user=alice, claims=["researcher"]) is True
    assert set(alice.groups.values_list("name", flat=True)) == {"research", "hand-made"}
    assert services.sync_groups_from_claims(user=alice, claims=["researcher"]) is False
    assert AuditEvent.objects.filter(action="groups.synced").count() == 2


def test_a_sign_in_syncs_the_groups_from_the_claims_reader(settings):
    settings.POLICIES_CLAIM_GROUPS = CLAIMS
    settings.POLICIES_CLAIMS_READER = "tests.policies.test_groups_and_limits.claims_of"
    settings.VIOLATIONS_ROUTE_LIMITERS = {}
    user = UserFactory(username="carol", last_name="trial-user", password="carol-pass-123")

    response = Client().post("/api/auth/login", {"username": "carol", "password": "carol-pass-123"},
                             content_type="application/json")  # fmt: skip

    assert response.status_code == 200
    assert list(user.groups.values_list("name", flat=True)) == ["trial"]


def test_a_policy_raises_a_members_message_limit_and_leaves_others_at_the_default(settings, alice, bob):
    settings.VIOLATIONS_RATE_LIMITS = {"message_user": {"enabled": True, "max": 2, "window_seconds": 60}}
    research = Group.objects.create(name="research")
    alice.groups.add(research)
    policy("Research", research, rate_limits={"message_user": {"max": 4}})
    connection = store.client()
    stale = list(connection.scan_iter(match=store.key("*"), count=1000))
    if stale:
        connection.delete(*stale)

    def hits(user) -> list[bool]:
        request = RequestFactory().post("/api/chat/")
        request.user = user
        return [limiters.check("message_user", request) is None for _ in range(5)]

    assert hits(alice) == [True, True, True, True, False]
    assert hits(bob) == [True, True, False, False, False]


def test_a_reader_without_an_opinion_leaves_the_groups_alone(settings):
    settings.POLICIES_CLAIM_GROUPS = CLAIMS
    settings.POLICIES_CLAIMS_READER = "examples.chatapp.roles.claims_of"  # None for anyone but loadgen's users
    settings.VIOLATIONS_ROUTE_LIMITERS = {}
    user = UserFactory(username="dave", password="dave-pass-1234")
    user.groups.add(Group.objects.create(name="research"))

    response = Client().post("/api/auth/login", {"username": "dave", "password": "dave-pass-1234"},
                             content_type="application/json")  # fmt: skip

    assert response.status_code == 200
    assert list(user.groups.values_list("name", flat=True)) == ["research"]
