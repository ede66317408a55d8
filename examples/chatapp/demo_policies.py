"""Demo policies and budgets (load_demo): a generous "staff" group and a small "trial" group limited to two
cheap models, a monthly service budget and a daily trial budget with a hard stop that loadgen's traffic reaches
within minutes. Idempotent: rows are found by name, and an operator's later edits are kept."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from chatmon.policies import services
from chatmon.policies.models import Budget, Policy
from examples.chatapp.demo import DEMO_USERS
from examples.chatapp.roles import demo_claims

POLICIES = {
    "staff": {"name": "Staff", "start_balance": 200_000, "auto_refill": True, "refill_amount": 100_000,
              "refill_interval_value": 1, "refill_interval_unit": "days",
              "rate_limits": {"message_user": {"max": 120, "window_seconds": 60}}},
    "trial": {"name": "Trial", "start_balance": 5_000, "allowed_models": ["gpt-4o-mini", "claude-3-5-haiku"],
              "budget_cap": 50_000, "budget_cap_period": "day"},
}  # fmt: skip
SERVICE_BUDGET = 5_000_000  # $5 a month: loadgen passes 50 % within the hour
# $0.01 a day for the whole trial group, then a hard stop. Trial balances start at 5,000 credits and do not
# refill, and loadgen's trial users (its two abusers and lg-user-1, -4 and -7 of its default ten) spend about
# 2,500 credits a minute on the two cheap models: the 50/80/100 % notices and the stop come within loadgen's
# first five minutes, before their balances run out.
TRIAL_BUDGET = 10_000
TRIAL_BUDGET_NAME = "Trial group, daily"


def ensure_demo_policies() -> None:
    if Budget.objects.filter(name=TRIAL_BUDGET_NAME).exists():  # created last: everything else is there
        return
    groups = {}
    for name, fields in POLICIES.items():
        groups[name], _ = Group.objects.get_or_create(name=name)
        policy, created = Policy.objects.get_or_create(name=fields["name"], defaults=fields)
        if created:
            policy.groups.add(groups[name])
    for user in get_user_model().objects.filter(username__in=DEMO_USERS):
        services.sync_groups_from_claims(user=user, claims=demo_claims(user.username))
    Budget.objects.get_or_create(name="Service, monthly", defaults={
        "scope": Budget.Scope.SERVICE, "limit": SERVICE_BUDGET, "period": "month"})  # fmt: skip
    Budget.objects.get_or_create(name=TRIAL_BUDGET_NAME, defaults={
        "scope": Budget.Scope.GROUP, "group": groups["trial"], "limit": TRIAL_BUDGET, "period": "day",
        "hard_stop": True})  # fmt: skip
