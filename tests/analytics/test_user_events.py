"""Feature events of named users: one row per user, event and UTC day; funnel steps and experiment metrics
read them (hand-computed)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from chatmon.analytics import events, experiments, funnels
from chatmon.analytics.models import Experiment, Exposure, Funnel, UserEventDay
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
UTC = dt.UTC
START = dt.datetime(2026, 11, 2, 9, tzinfo=UTC)


def at(hours: float) -> dt.datetime:
    return START + dt.timedelta(hours=hours)


def test_events_of_a_day_share_one_row_with_the_first_and_last_time():
    ann = UserFactory()
    events.record_user_event(ann, "chat.turn", when=at(1))
    events.record_user_event(ann.pk, "chat.turn", 3, when=at(5))
    events.record_user_event(ann, "chat.turn", when=at(20))  # the next UTC day

    rows = list(UserEventDay.objects.order_by("day").values_list("day", "count", "first_at", "last_at"))
    assert rows == [(START.date(), 4, at(1), at(5)), (at(20).date(), 1, at(20), at(20))]


@pytest.mark.parametrize(("name", "count"), [("Bad Name", 1), ("x" * 65, 1), ("chat.turn", 0), ("chat.turn", 1.5)])
def test_a_bad_name_or_count_is_refused_and_nothing_is_stored(name, count):
    with pytest.raises(ValueError):
        events.record_user_event(UserFactory(), name, count)
    assert not UserEventDay.objects.exists()


def test_a_funnel_follows_users_through_a_named_event():
    """ann: registers, shares 3 h later, exports 2 h after that. bob: registers, exports first (1 h), shares
    at 4 h and never exports again. cy: never shares."""
    ann = UserFactory(username="ann", date_joined=at(0))
    bob = UserFactory(username="bob", date_joined=at(0))
    UserFactory(username="cy", date_joined=at(0))
    events.record_user_event(ann, "conversation.shared", when=at(3))
    events.record_user_event(ann, "conversation.exported", when=at(5))
    events.record_user_event(bob, "conversation.exported", when=at(1))
    events.record_user_event(bob, "conversation.shared", when=at(4))

    rows = funnels.evaluate(
        ["registered", "event:conversation.shared", "event:conversation.exported"],
        since=at(-1), until=at(1), window_days=30,
    )  # fmt: skip
    assert [(row.users, row.median_hours_from_previous) for row in rows] == [(3, None), (2, 3.5), (1, 2.0)]


def test_a_funnel_refuses_an_event_step_without_a_proper_name():
    funnel = Funnel(name="f", steps=["registered", "event:Not A Name"])
    with pytest.raises(ValidationError, match="event:<feature event>"):
        funnel.full_clean()


def test_an_experiment_compares_a_feature_event_per_user_from_the_exposure_day_on():
    experiment = Experiment.objects.create(
        slug="share-button", name="Share button", metric=Experiment.Metric.EVENT, metric_event="conversation.shared",
        variants=[{"name": "control", "weight": 50}, {"name": "b", "weight": 50}],
    )  # fmt: skip
    users = UserFactory.create_batch(4)
    counts = {users[0]: 1, users[1]: 3, users[2]: 4, users[3]: 0}
    variants = {users[0]: "control", users[1]: "control", users[2]: "b", users[3]: "b"}
    for user, number in counts.items():
        events.record_user_event(user, "conversation.shared", 5, when=at(-48))  # before the exposure's day
        Exposure.objects.create(experiment=experiment, user=user, variant=variants[user], exposed_at=at(0))
        if number:
            events.record_user_event(user, "conversation.shared", number, when=at(2))

    results = {r.name: r for r in experiments.results(experiment)}
    assert (results["control"].users, results["control"].value) == (2, 2.0)
    assert (results["b"].users, results["b"].value) == (2, 2.0)
    assert results["b"].comparison is not None


def test_the_event_metric_needs_an_event_name():
    experiment = Experiment(
        slug="x",
        name="x",
        metric=Experiment.Metric.EVENT,
        variants=[{"name": "control", "weight": 1}, {"name": "b", "weight": 1}],
    )
    with pytest.raises(ValidationError, match="metric_event"):
        experiment.full_clean()


def test_recording_is_one_query_once_the_day_has_its_row(django_assert_num_queries):
    ann = UserFactory()
    with time_machine.travel(at(1), tick=False):
        events.record_user_event(ann, "chat.turn")
        with django_assert_num_queries(1):
            events.record_user_event(ann, "chat.turn")
