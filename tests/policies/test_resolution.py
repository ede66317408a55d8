"""Which policy a user in several groups gets (docs/policies.md): priority first, then the most generous, then
the name; and a change in the admin applies to the next check without a restart."""

from __future__ import annotations

import pytest

from chatmon.policies import cache, hooks
from chatmon.policies.models import Policy
from chatmon.policies.resolution import pick, resolve
from tests.policies.conftest import policy


def unsaved(name: str, **fields) -> Policy:
    return Policy(name=name, **{"start_balance": 1000, "priority": 0, **fields})


def test_it_gives_no_policy_without_candidates():
    assert pick([]) is None


def test_it_lets_an_explicit_priority_win_over_generosity():
    generous = unsaved("generous", start_balance=10**9)
    strict = unsaved("strict", priority=5, start_balance=1)
    assert pick([generous, strict]) is strict


def test_it_breaks_a_priority_tie_by_the_larger_start_balance():
    assert pick([unsaved("small", start_balance=100), unsaved("large", start_balance=200)]).name == "large"


def test_it_then_compares_refill_per_day_across_units():
    # 700 a week is 100 a day; 3,100 a month (30 days) is about 103 a day.
    weekly = unsaved(
        "weekly", auto_refill=True, refill_amount=700, refill_interval_value=1, refill_interval_unit="weeks"
    )
    monthly = unsaved("monthly", auto_refill=True, refill_amount=3100, refill_interval_value=1,
                      refill_interval_unit="months")  # fmt: skip
    off = unsaved("off")
    assert pick([weekly, off, monthly]).name == "monthly"


def test_it_then_prefers_no_cap_to_a_cap_and_all_models_to_a_list():
    assert pick([unsaved("capped", budget_cap=5000), unsaved("uncapped")]).name == "uncapped"
    assert pick([unsaved("listed", allowed_models=["gpt-4o"]), unsaved("open")]).name == "open"
    assert pick([unsaved("one", allowed_models=["a"]), unsaved("two", allowed_models=["a", "b"])]).name == "two"


def test_it_falls_back_to_the_name_when_all_else_is_equal():
    assert pick([unsaved("beta"), unsaved("alpha")]).name == "alpha"


@pytest.mark.django_db
def test_it_resolves_a_user_through_their_groups_and_names_the_group(alice, research, trial):
    policy("Trial", trial, start_balance=500)
    policy("Research", research, start_balance=50000)
    alice.groups.add(trial, research)

    found = resolve(alice.pk)

    assert found.policy.name == "Research"
    assert found.describe() == "Research, via group research"
    assert resolve(10**9).policy is None


@pytest.mark.django_db
def test_a_changed_policy_applies_to_the_next_check_without_a_restart(alice, trial, settings):
    settings.POLICIES_STAMP_SECONDS = 3600  # the stamp is not re-read: this process learns from its receiver
    trial_policy = policy("Trial", trial, allowed_models=["gpt-4o-mini"])
    alice.groups.add(trial)
    assert hooks.admit(user_id=alice.pk, model="gpt-4o", endpoint=None, cost=1, now=None).type == "model_not_allowed"

    trial_policy.allowed_models = ["gpt-4o*"]
    trial_policy.save()

    assert hooks.admit(user_id=alice.pk, model="gpt-4o", endpoint=None, cost=1, now=None) is None


@pytest.mark.django_db
def test_another_process_sees_a_change_through_the_shared_stamp(alice, trial, settings):
    settings.POLICIES_STAMP_SECONDS = 0
    policy("Trial", trial, start_balance=500)
    alice.groups.add(trial)
    assert resolve(alice.pk).policy.start_balance == 500
    Policy.objects.filter(name="Trial").update(start_balance=900)  # no signal: as if another process wrote it
    assert resolve(alice.pk).policy.start_balance == 500  # this process still holds its snapshot

    cache.STAMP.publish()  # what the other process does once its change commits

    assert resolve(alice.pk).policy.start_balance == 900


@pytest.mark.django_db
def test_a_users_new_group_applies_at_their_next_check(alice, trial, settings):
    settings.POLICIES_STAMP_SECONDS = 3600
    policy("Trial", trial, allowed_models=["gpt-4o-mini"])
    assert hooks.admit(user_id=alice.pk, model="gpt-4o", endpoint=None, cost=1, now=None) is None  # groups remembered

    alice.groups.add(trial)

    assert hooks.admit(user_id=alice.pk, model="gpt-4o", endpoint=None, cost=1, now=None).type == "model_not_allowed"
