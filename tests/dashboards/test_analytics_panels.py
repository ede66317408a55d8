"""The Engagement and Abuse pages show chatmon.analytics' figures: sign-ins and violations by country, the
weekly cohorts, saved funnels, running experiments and KPIs, each with its CSV."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from chatmon.analytics import cohorts, experiments
from chatmon.analytics.models import Experiment, Funnel, Kpi, SignInPlace
from chatmon.monitoring.models import DailyCount
from tests.factories import OperatorFactory, UserFactory
from violations import services as violations
from violations import store
from violations.banview import view

pytestmark = pytest.mark.django_db


@pytest.fixture
def root_client():
    # Bans other tests published to Redis may name this test's user id (ids are reused after a rollback).
    connection = store.client()
    stale = list(connection.scan_iter(match=store.key("*"), count=1000))
    if stale:
        connection.delete(*stale)
    view.reset()
    client = Client()
    client.force_login(OperatorFactory(username="root", is_superuser=True))
    return client


def test_the_engagement_page_shows_every_analytics_panel(root_client, balances_on):
    today = timezone.now().astimezone(dt.UTC).date()
    ann, bob = UserFactory(username="ann"), UserFactory(username="bob")
    SignInPlace.objects.create(user=ann, day=today, country="GB", count=3)
    SignInPlace.objects.create(user=bob, day=today, country="US", count=1)
    Funnel.objects.create(name="activation", steps=["registered", "signed_in"])
    test = Experiment.objects.create(slug="prompt", name="New prompt", variants=[{"name": "control", "weight": 1},
                                                                               {"name": "b", "weight": 1}])  # fmt: skip
    experiments.variant_for(test, ann)
    Kpi.objects.create(slug="shares", name="Shares", numerator="conversation.shared")
    DailyCount.objects.create(day=today, kind=DailyCount.Kind.FEATURE, name="conversation.shared", count=7)
    cohorts.compute()

    page = root_client.get("/dashboard/engagement/?range=7d").content.decode()
    for title in ("Sign-ins by country", "Weekly cohorts", "Funnels (users who registered in the range)",
                  "Running experiments", "KPIs"):  # fmt: skip
        assert title in page, title
    assert ">GB<" in page and ">New prompt<" in page and ">activation<" in page and ">Shares<" in page
    countries = root_client.get("/dashboard/engagement/countries.csv?range=7d")
    # (the test client signed the operator in without an address: an unknown place)
    assert countries.content.decode().splitlines()[1:] == ["GB,3,1", "US,1,1", "unknown,1,1"]


def test_the_abuse_page_ranks_violations_and_bans_by_country(root_client, bans_on):
    violations.log_violation(type="general", ip="81.2.69.142", score=1)
    violations.ban(ip="8.8.8.8", duration_ms=60_000)
    page = root_client.get("/dashboard/abuse/?range=24h").content.decode()
    assert "Violations by country" in page and "IP bans by country" in page
    bans = root_client.get("/dashboard/abuse/bans-by-country.csv?range=24h")
    assert bans.content.decode().splitlines()[1:] == ["US,1"]
