"""`load_demo` creates the demo users and conversations once, and the analytics demo (an experiment, a funnel,
a KPI, weekly sign-up cohorts with their sign-ins); running it again changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
import time_machine
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

from examples.chatapp.models import Conversation, Message


def run() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def counts() -> tuple[int, int, int]:
    users = get_user_model().objects.exclude(username__startswith="cohort-")
    return users.count(), Conversation.objects.count(), Message.objects.count()


def test_it_creates_users_with_known_passwords_and_answered_conversations(db):
    output = run()
    for name in ("alice", "bob", "carol"):
        assert f"{name} / {name}-demo-pass" in output
        assert authenticate(username=name, password=f"{name}-demo-pass") is not None
    assert counts() == (3, 6, 24)
    statuses = set(Message.objects.filter(role="assistant").values_list("status", flat=True))
    assert statuses == {"complete"}
    assert not Message.objects.filter(role="assistant", completion_tokens=0).exists()


def test_it_is_idempotent_and_prints_the_passwords_only_once(db, django_assert_max_num_queries):
    run()
    before = counts()
    # users, alert rules, conversations, the analytics rows, cohort users, the demo budgets
    with django_assert_max_num_queries(10):
        output = run()
    assert counts() == before
    assert "demo-pass" not in output
    assert "already present" in output


def test_it_recreates_only_what_is_missing(db):
    run()
    Conversation.objects.filter(user__username="bob").first().delete()
    run()
    assert counts() == (3, 6, 24)


def test_it_does_nothing_when_demo_data_is_off(db, settings):
    settings.CHATAPP_DEMO_DATA = False
    assert "skipped" in run()
    assert counts() == (0, 0, 0)


# Mid-week, and a minute into a Monday: a week's six sign-ups stay one cohort (they were split across two weeks
# when the demo loaded early on a Monday).
@pytest.mark.parametrize("moment", ["2026-11-25T12:00:00Z", "2026-11-30T00:01:00Z"])
def test_it_loads_an_analytics_demo_that_fills_the_cohort_triangle(db, moment):
    from chatmon.analytics import cohorts
    from chatmon.analytics.models import Experiment, Funnel, Kpi, SignInPlace

    with time_machine.travel(moment, tick=True):
        run()
    assert Experiment.objects.filter(slug="demo-system-prompt", active=True).exists()
    assert Funnel.objects.filter(name="Activation").exists() and Kpi.objects.filter(slug="chat-turns").exists()
    assert {"GB", "US", "NL", "AU", "JP", "BR"} <= set(SignInPlace.objects.values_list("country", flat=True))
    triangle = cohorts.triangle("week")  # computed by load_demo: the job itself runs hourly
    # Six a week; this week's also has the demo's own users.
    assert [size for _, size, _ in triangle[1:]] == [6] * 7 and triangle[0][1] >= 6
    oldest = triangle[-1]
    assert oldest[1] == 6 and oldest[2][0] == 1.0 and oldest[2][-1] < oldest[2][0]  # fewer come back each week
    sign_ins = SignInPlace.objects.count()
    run()
    assert SignInPlace.objects.count() == sign_ins
