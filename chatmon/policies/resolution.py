"""Which policy a user gets: the rule, in words.

1. The candidates are the policies of the user's groups. None: the service-wide settings apply.
2. The highest `priority` wins.
3. Among equal priorities the most generous wins, compared in this order: the larger start balance, then the
   larger auto-refill per day (none is 0), then the larger spend cap (no cap is the largest), then the wider
   model access (no restriction is the widest, else the longer list).
4. If they are still equal, the name that sorts first, so every process picks the same.
The winner applies whole: fields are never mixed across policies. "Via" names the first of the user's groups
(by name) that carries the winning policy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from chatmon.policies import cache
from chatmon.policies.models import Policy

# Days in a refill unit, to compare refills per day (a month as 30 days, as ledger.pricing counts months).
UNIT_DAYS = {"seconds": 1 / 86400, "minutes": 1 / 1440, "hours": 1 / 24, "days": 1, "weeks": 7, "months": 30}


@dataclass(frozen=True)
class Resolution:
    policy: Policy | None
    group_ids: frozenset = frozenset()  # the user's groups

    def via(self) -> Group | None:
        """The group the policy comes through (a query: pages call it, balance checks do not)."""
        if self.policy is None:
            return None
        return Group.objects.filter(pk__in=self.policy.group_ids & self.group_ids).order_by("name").first()

    def describe(self) -> str:
        """ "Research, via group research", as User 360 shows it."""
        if self.policy is None:
            return "service-wide settings (no group policy)"
        via = self.via()
        return f"{self.policy.name}, via group {via.name}" if via else self.policy.name


def refill_per_day(policy: Policy) -> float:
    if not policy.auto_refill or not policy.refill_interval_value:
        return 0.0
    return policy.refill_amount / (policy.refill_interval_value * UNIT_DAYS.get(policy.refill_interval_unit, 1))


def generosity(policy: Policy) -> tuple:
    cap = math.inf if policy.budget_cap is None else policy.budget_cap
    models = math.inf if not policy.allowed_models else len(policy.allowed_models)
    return (policy.start_balance, refill_per_day(policy), cap, models)


def pick(policies) -> Policy | None:
    """The winning policy among `policies` by the rule above (a pure function: the unit tests call it)."""
    policies = list(policies)
    if not policies:
        return None
    top = max(policy.priority for policy in policies)
    tied = [policy for policy in policies if policy.priority == top]
    best = max(generosity(policy) for policy in tied)
    return min((policy for policy in tied if generosity(policy) == best), key=lambda policy: policy.name)


def group_ids_of(user_id, snapshot: cache.Snapshot | None = None) -> frozenset:
    """The user's group ids, remembered with the snapshot they were read under: a change of anyone's groups
    publishes a new snapshot version (cache.py), so a remembered answer never outlives the change by more
    than the stamp's interval, and a balance check usually costs no query here."""
    snapshot = snapshot or cache.current()
    remembered = cache.remembered_groups(snapshot)
    if user_id not in remembered:
        memberships = get_user_model().groups.through.objects.filter(user_id=user_id)
        remembered[user_id] = frozenset(memberships.values_list("group_id", flat=True))
    return remembered[user_id]


def resolve(user_id, snapshot: cache.Snapshot | None = None) -> Resolution:
    """The user's policy and the group it comes through (one query for the user's groups, none when no
    policy or budget depends on groups)."""
    snapshot = snapshot or cache.current()
    if not snapshot.grouped:
        return Resolution(None)
    group_ids = group_ids_of(user_id, snapshot)
    winner = pick(policy for policy in snapshot.policies if policy.group_ids & group_ids)
    return Resolution(winner, group_ids)
