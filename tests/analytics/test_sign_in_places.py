"""Sign-ins count towards the user's country through the trusted proxy header; the address is not kept."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from chatmon.analytics import places
from chatmon.analytics.models import SignInPlace
from tests.factories import OperatorFactory, UserFactory
from violations import services as violations

pytestmark = pytest.mark.django_db


def test_a_sign_in_is_counted_in_its_country(settings):
    settings.VIOLATIONS_TRUSTED_PROXIES = 1
    UserFactory(username="ann", password="pw-ann-123")
    client = Client()
    for address in ("81.2.69.142", "81.2.69.142", "8.8.8.8"):
        client.logout()
        response = client.post(
            "/api/auth/login", {"username": "ann", "password": "pw-ann-123"}, content_type="application/json",
            headers={"X-Forwarded-For": address},
        )  # fmt: skip
        assert response.status_code == 200
    assert sorted(SignInPlace.objects.values_list("country", "count")) == [("GB", 2), ("US", 1)]
    assert places.sign_ins_by_country(since=dt.date.today()) == [("GB", 2, 1), ("US", 1, 1)]
    stored = [str(value) for row in SignInPlace.objects.values() for value in row.values()]
    assert not any("81.2.69" in value or "8.8.8.8" in value for value in stored)


def test_violations_and_bans_are_ranked_by_country(bans_on):
    since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    for ip in ("81.2.69.142", "81.2.69.143", "8.8.8.8", "10.0.0.1"):
        violations.log_violation(type="general", ip=ip, score=1)
    violations.ban(ip="193.0.6.139", duration_ms=60_000)
    assert places.violations_by_country(since=since) == [("GB", 2), ("US", 1), ("local", 1)]
    assert places.bans_by_country(since=since) == [("NL", 1)]


def test_a_users_own_violations_are_placed_where_they_last_signed_in(bans_on):
    """Ann signed in from NL two days ago and today from GB once and from US three times: today's violations
    count for US. Cy signed in only two days ago, from NL. Bob never signed in: unknown."""
    now = dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)
    today, since = now.date(), now - dt.timedelta(minutes=1)
    ann, bob, cy = UserFactory(username="ann"), UserFactory(username="bob"), UserFactory(username="cy")
    for user, day, country, count in [
        (ann, today - dt.timedelta(days=2), "NL", 9),
        (ann, today, "GB", 1),
        (ann, today, "US", 3),
        (cy, today - dt.timedelta(days=2), "NL", 1),
    ]:
        SignInPlace.objects.create(user=user, day=day, country=country, count=count)
    with time_machine.travel(now, tick=False):
        for user in (ann, ann, bob, cy):
            violations.log_violation(type="token_balance", user=user, score=1)
        violations.log_violation(type="general", ip="8.8.8.8", score=1)  # US by its address
    assert places.violations_by_country(since=since) == [("US", 3), ("NL", 1), ("unknown", 1)]


def _listed(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_admin_lists_users_and_bans_by_country(bans_on):
    ann, bob = UserFactory(username="ann-gb"), UserFactory(username="bob-us")
    places.record_sign_in(user_id=ann.pk, address="81.2.69.142")
    places.record_sign_in(user_id=bob.pk, address="8.8.8.8")
    violations.ban(ip="193.0.6.139", duration_ms=60_000)  # NL
    violations.ban(ip="81.2.69.150", duration_ms=60_000)  # GB
    client = Client()
    client.force_login(OperatorFactory())

    page = _listed(client, "/admin/auth/user/?signed_in_from=GB")
    assert "ann-gb" in page and "bob-us" not in page
    assert "country signed in from" in _listed(client, "/admin/auth/user/")
    page = _listed(client, "/admin/violations/ban/?ip_country=NL")
    assert "193.0.6.139" in page and "81.2.69.150" not in page
    assert "GB (1)" in _listed(client, "/admin/violations/ban/")
