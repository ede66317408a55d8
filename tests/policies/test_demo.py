"""load_demo gives the demo two groups with different policies, the demo users their groups, and a service and
a trial-group budget; loadgen's users get their group from the demo's role claim at sign-in."""

from __future__ import annotations

import threading
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from chatmon.policies.models import Budget, Policy
from chatmon.policies.selectors import policy_of
from examples.chatapp.loadgen.runner import build_users
from examples.chatapp.loadgen.users import Plan
from examples.chatapp.roles import claims_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_load_demo_creates_the_policies_budgets_and_memberships():
    call_command("load_demo", stdout=StringIO())

    staff, trial = Policy.objects.get(name="Staff"), Policy.objects.get(name="Trial")
    assert staff.start_balance > trial.start_balance and trial.allowed_models and not staff.allowed_models
    assert set(Budget.objects.values_list("name", "scope", "hard_stop")) == {
        ("Service, monthly", "service", False), ("Trial group, daily", "group", True),
    }  # fmt: skip
    users = {user.username: user for user in get_user_model().objects.filter(username__in=["alice", "carol"])}
    assert policy_of(users["alice"]).describe() == "Staff, via group staff"
    assert policy_of(users["carol"]).describe() == "Trial, via group trial"


def test_loadgen_users_split_between_the_groups():
    names = [f"lg-user-{n}" for n in range(6)] + ["lg-abuser-0", "alice", "someone-else"]
    claims = [claims_of(UserFactory.build(username=name)) for name in names]
    assert claims == [["staff"], ["trial"], ["staff"], ["staff"], ["trial"], ["staff"], ["trial"], None, None]


def test_loadgens_heavy_spender_is_staff_so_nothing_but_its_balance_stops_it():
    """lg-user-0 pastes long documents (loadgen's heavy spender): under the trial policy its 5,000 credits and
    50,000 a day would stop it after a few chats, and the demo's spend alert and anomalies would have nobody."""
    plan = Plan(base_url="http://127.0.0.1:9", paths={"chat": "/api/chat/"}, recorder=None, models=["gpt-4o"],
                think_seconds=0, stop=threading.Event(), brute_force_target="lg-user-0")  # fmt: skip
    heavy = [user.username for user in build_users(plan, users=8, abusive=2, seed=0) if getattr(user, "heavy", 0)]
    assert heavy == ["lg-user-0"]
    assert claims_of(UserFactory.build(username="lg-user-0")) == ["staff"]
