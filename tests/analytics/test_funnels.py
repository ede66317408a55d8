"""Funnels against a hand-computed table: conversion per step, median time between steps, the window, the
admin's result, and definitions the admin refuses."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client

from chatmon.analytics import experiments, funnels
from chatmon.analytics.models import Experiment, Funnel, SignInPlace
from ledger import services
from tests.factories import OperatorFactory, UserFactory

pytestmark = pytest.mark.django_db
UTC = dt.UTC
START = dt.datetime(2026, 11, 2, 9, tzinfo=UTC)


def joined(name: str, at: dt.datetime):
    return UserFactory(username=name, date_joined=at)


def spend(user, at: dt.datetime) -> None:
    with time_machine.travel(at, tick=False):
        services.spend_tokens(user=user, model="gpt-4o", prompt_tokens=10, completion_tokens=5)


@pytest.fixture
def people(balances_on):
    """ann: registers, spends 2 h later, again the next day, and on day 8.
    bob: registers, spends 6 h later, never again.
    cy: registers, never spends.
    dee: registers, first spends 40 days later (outside a 30-day window)."""
    ann, bob = joined("ann", START), joined("bob", START + dt.timedelta(hours=1))
    joined("cy", START + dt.timedelta(hours=2))
    dee = joined("dee", START + dt.timedelta(hours=3))
    spend(ann, START + dt.timedelta(hours=2))
    spend(ann, START + dt.timedelta(days=1, hours=5))
    spend(ann, START + dt.timedelta(days=8))
    spend(bob, START + dt.timedelta(hours=7))
    spend(dee, START + dt.timedelta(days=40, hours=3))
    return ann, bob


def evaluate(steps, window_days=30):
    return funnels.evaluate(steps, since=START - dt.timedelta(hours=1), until=START + dt.timedelta(days=1),
                            window_days=window_days)  # fmt: skip


def test_conversion_and_median_hours_match_the_hand_computed_table(people):
    rows = evaluate(["registered", "first_spend", "spent_again_next_day", "returned_day_7"])
    assert [(r.step, r.users) for r in rows] == [
        ("registered", 4), ("first_spend", 2), ("spent_again_next_day", 1), ("returned_day_7", 1),
    ]  # fmt: skip
    assert rows[1].share_of_first == 0.5 and rows[2].share_of_previous == 0.5
    assert rows[1].median_hours_from_previous == 4.0  # ann after 2 h, bob after 6 h
    assert rows[2].median_hours_from_previous == pytest.approx(27.0)  # ann: 2 h after registering, then day 2 +5 h
    assert rows[3].median_hours_from_previous == pytest.approx(6 * 24 + 19)  # to day 8 at 09:00
    assert evaluate(["registered", "first_spend"], window_days=60)[1].users == 3  # dee, within 60 days


def test_sign_ins_and_exposures_are_steps_too(people):
    ann, bob = people
    SignInPlace.objects.create(user=bob, day=START.date() + dt.timedelta(days=2), country="GB", count=1)
    test = Experiment.objects.create(slug="prompt", name="p", variants=[{"name": "a", "weight": 1},
                                                                        {"name": "b", "weight": 1}])  # fmt: skip
    with time_machine.travel(START + dt.timedelta(hours=3), tick=False):
        experiments.variant_for(test, ann)
    rows = evaluate(["registered", "signed_in"])
    assert rows[1].users == 1 and rows[1].median_hours_from_previous == 38.0  # 10:00 on the 2nd to the 4th, 00:00
    assert evaluate(["registered", "exposed:prompt", "spent_again_next_day"])[2].users == 1


@pytest.mark.parametrize(
    "steps",
    [["first_spend", "registered"], ["registered"], ["registered", "bought_a_boat"], ["registered", "exposed:"],
     "registered", ["registered"] * 9, ["registered", 7]],
)  # fmt: skip
def test_bad_definitions_are_refused(steps):
    with pytest.raises(ValidationError):
        Funnel(name="x", steps=steps).full_clean()


def test_the_admin_shows_the_result(people):
    funnel = Funnel.objects.create(name="activation", steps=["registered", "first_spend"])
    client = Client()
    client.force_login(OperatorFactory(username="root", is_superuser=True))
    with time_machine.travel(START + dt.timedelta(days=5), tick=False):
        page = client.get(f"/admin/chatmon_analytics/funnel/{funnel.pk}/change/").content.decode()
    assert "<b>first_spend</b>: 2 users (50.0% of the first step" in page
