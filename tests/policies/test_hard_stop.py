"""A hard-stop budget, a policy's cap and its model list refuse the balance check with a reason that reaches
the chat app (its SSE error, as the balance denial) and the API (allowed false with the denial body); a
member's spend counts toward their member budget and their group's."""

from __future__ import annotations

import json

import pytest
from django.core.cache import caches
from django.test import Client
from django.utils import timezone

from chatmon.policies import budgets as budget_spend
from chatmon.policies import periods
from chatmon.policies.models import Budget
from ledger import services as ledger
from tests.chatapp.support import Api as ChatApi
from tests.policies.conftest import budget, policy, spend
from violations.models import Violation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def chatapp_settings(settings):
    settings.CHATAPP_FAKE_DELAY_MS = 0
    settings.CHATAPP_FAKE_FAILURE_RATE = 0.0
    settings.VIOLATIONS_ROUTE_LIMITERS = {}


def chat_as(user) -> ChatApi:
    client = Client()
    client.force_login(user)
    return ChatApi(client)


def refusal_of(events) -> dict:
    assert [event.event for event in events] == ["error"]
    return json.loads(events[0].data["text"])


def test_a_group_budgets_hard_stop_refuses_the_chat_with_its_reason(alice, research):
    alice.groups.add(research)
    budget("research monthly", scope=Budget.Scope.GROUP, group=research, limit=5000, hard_stop=True)
    spend(alice, 5000)

    denial = refusal_of(chat_as(alice).chat(model="gpt-4o", text="one more question", max_tokens=20))

    assert denial["type"] == "budget_exceeded" and denial["budget"] == "research monthly"
    assert "would exceed the budget research monthly" in denial["message"]
    assert "5,000.00 credits" in denial["message"] and denial["limit"] == 5000
    assert Violation.objects.filter(user=alice, type="token_balance").exists()  # recorded as a denial is


def test_a_chat_within_the_budget_goes_through_and_counts_toward_it(alice, research):
    alice.groups.add(research)
    research_budget = budget("research", scope=Budget.Scope.GROUP, group=research, limit=10**6, hard_stop=True)

    events = chat_as(alice).chat(model="gpt-4o", text="a question", max_tokens=20)

    assert events[-1].data["final"] is True
    assert budget_spend.usage(research_budget, research_budget.created_at).spent > 0


def test_a_members_spend_counts_toward_the_member_budget_and_the_group_budget(alice, bob, research):
    alice.groups.add(research)
    bob.groups.add(research)
    group = budget("research", scope=Budget.Scope.GROUP, group=research, limit=10**6)
    member = budget("alice in research", scope=Budget.Scope.MEMBER, group=research, user=alice, limit=10**6)
    spend(alice, 2500)
    spend(bob, 1000)

    now = group.created_at
    assert budget_spend.usage(member, now).spent == pytest.approx(2500)
    assert budget_spend.usage(group, now).spent == pytest.approx(3500)


def test_a_member_budget_stops_only_that_member(alice, bob, research):
    alice.groups.add(research)
    bob.groups.add(research)
    budget("alice in research", scope=Budget.Scope.MEMBER, group=research, user=alice, limit=2500, hard_stop=True)
    spend(alice, 2500)

    assert refusal_of(chat_as(alice).chat(model="gpt-4o", text="more", max_tokens=20))["type"] == "budget_exceeded"
    assert chat_as(bob).chat(model="gpt-4o", text="more", max_tokens=20)[-1].data["final"] is True


def test_a_model_outside_the_policy_is_refused_and_one_inside_admitted(alice, trial):
    alice.groups.add(trial)
    policy("Trial", trial, start_balance=500, allowed_models=["gpt-4o-mini"])

    denial = refusal_of(chat_as(alice).chat(model="claude-sonnet-4", text="hello", max_tokens=20))
    assert denial["type"] == "model_not_allowed" and denial["policy"] == "Trial"
    assert chat_as(alice).chat(model="gpt-4o-mini", text="hello", max_tokens=20)[-1].data["final"] is True


def test_a_policys_spend_cap_stops_each_member_at_their_own_cap(alice, bob, trial):
    alice.groups.add(trial)
    bob.groups.add(trial)
    policy("Trial", trial, budget_cap=2500, budget_cap_period="day")
    spend(alice, 2500)

    assert ledger.check_balance(user=alice, model="gpt-4o", amount=1).refusal.type == "budget_exceeded"
    assert ledger.check_balance(user=bob, model="gpt-4o", amount=1).allowed


def test_a_new_balance_starts_with_the_policys_start_balance_and_refill(alice, trial, balances_on):
    alice.groups.add(trial)
    policy("Trial", trial, start_balance=500, auto_refill=True, refill_amount=100, refill_interval_value=1,
           refill_interval_unit="days")  # fmt: skip

    check = ledger.check_balance(user=alice, model="gpt-4o-mini", amount=10)

    balance = alice.ledger_balance
    assert check.allowed and balance.opening_credits == 500
    assert (balance.auto_refill_enabled, balance.refill_amount, balance.refill_interval_unit) == (True, 100, "days")


def test_the_balance_sync_leaves_a_policy_members_existing_balance_alone(alice, trial, balances_on, settings):
    alice.groups.add(trial)
    trial_policy = policy("Trial", trial, start_balance=500)
    ledger.sync_balance_settings(user=alice)
    trial_policy.auto_refill, trial_policy.refill_amount = True, 100
    trial_policy.save()
    settings.LEDGER_AUTO_REFILL_ENABLED = True

    assert ledger.sync_balance_settings(user=alice) is False
    alice.ledger_balance.refresh_from_db()
    assert alice.ledger_balance.auto_refill_enabled is False  # only an explicit apply changes it


def test_the_api_answers_a_source_budgets_stop_with_the_denial_body(make_api, balances_on):
    api = make_api("ledger:write", "ledger:read")
    budget("librechat tenant", scope=Budget.Scope.SOURCE, source="librechat", limit=2500, hard_stop=True)
    check = {"user": "u1", "model": "gpt-4o", "amount": 1000}  # 2,500 credits
    first = api.post("balance/check", check).json()
    assert first["allowed"] is True
    assert api.post("spends", {"user": "u1", "model": "gpt-4o", "prompt_tokens": 1000}).status_code in (200, 201)

    response = api.post("balance/check", check)

    body = response.json()
    assert response.status_code == 200 and body["allowed"] is False and body["hold_id"] is None
    assert body["denial"]["type"] == "budget_exceeded" and body["denial"]["budget"] == "librechat tenant"
    assert "would exceed the budget librechat tenant" in body["denial"]["message"]


def test_with_the_spend_cache_on_a_stop_takes_effect_once_the_cached_sum_expires(alice, research, settings):
    settings.POLICIES_SPEND_CACHE_SECONDS = 60
    alice.groups.add(research)
    stop = budget("research", scope=Budget.Scope.GROUP, group=research, limit=5000, hard_stop=True)
    assert ledger.check_balance(user=alice, model="gpt-4o", amount=1).allowed  # caches a spend of 0
    spend(alice, 5000)

    assert ledger.check_balance(user=alice, model="gpt-4o", amount=1).allowed  # the overshoot window
    start, _ = periods.bounds(stop.period, timezone.now())
    caches["default"].delete(f"chatmon:policies:spend:{stop.pk}:{start.timestamp():.0f}")  # as if 60 s passed

    assert ledger.check_balance(user=alice, model="gpt-4o", amount=1).refusal.type == "budget_exceeded"
