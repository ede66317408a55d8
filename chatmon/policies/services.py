"""Writes of the policies app: group sync from role claims, applying a changed policy to its existing members
(previewed first), and the budgets' once-per-period notices."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils import timezone

from auditlog.services import record
from chatmon.policies import audit, budgets, cache, conf, signals
from chatmon.policies.models import Budget, BudgetNotice, Policy
from chatmon.policies.resolution import pick
from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from ledger.balancesettings import set_auto_refill

REFILL_FIELDS = ("auto_refill_enabled", "refill_interval_value", "refill_interval_unit", "refill_amount")


def sync_groups_from_claims(*, user, claims) -> bool:
    """Put `user` in the groups POLICIES_CLAIM_GROUPS maps their role claims to, and out of the mapped groups
    their claims no longer name (groups outside the mapping are left alone); True when something changed."""
    mapping = conf.claim_groups()
    claims = {str(claim) for claim in (claims or ()) if isinstance(claim, str | int)}
    managed = {name for names in mapping.values() for name in names}
    wanted = {name for claim in claims for name in mapping.get(claim, ())}
    current = set(user.groups.filter(name__in=managed).values_list("name", flat=True))
    if current == wanted:
        return False
    with transaction.atomic():
        user.groups.add(*[Group.objects.get_or_create(name=name)[0] for name in sorted(wanted - current)])
        user.groups.remove(*Group.objects.filter(name__in=current - wanted))
        record(action=audit.GROUPS_SYNCED, target=user, metadata={
            "added": sorted(wanted - current), "removed": sorted(current - wanted), "claims": sorted(claims)[:20],
        })  # fmt: skip
    return True


@dataclass(frozen=True)
class Change:
    user_id: int
    username: str
    credits: float
    top_up: float  # credits granted to bring the balance to the start balance (0: none)
    refill_before: dict
    refill_after: dict

    @property
    def refill_changes(self) -> bool:
        return self.refill_before != self.refill_after


@dataclass(frozen=True)
class Preview:
    policy: Policy
    members: int  # users whose policy this is
    changes: list[Change] = field(default_factory=list)

    @property
    def top_up_total(self) -> float:
        return sum(change.top_up for change in self.changes)

    @property
    def top_ups(self) -> int:
        return sum(1 for change in self.changes if change.top_up)

    @property
    def refills(self) -> int:
        return sum(1 for change in self.changes if change.refill_changes)

    @property
    def fingerprint(self) -> str:
        """Identifies exactly these changes: apply refuses when the state moved on since the preview."""
        rows = [[c.user_id, round(c.top_up, 6), c.refill_after, c.refill_before] for c in self.changes]
        return hashlib.sha256(json.dumps([self.policy.pk, rows], sort_keys=True).encode()).hexdigest()[:16]


def _members(policy: Policy) -> list:
    """The users whose resolved policy is `policy` (members of its groups not won by another policy)."""
    snapshot = cache.current()
    policies = [p for p in snapshot.policies if p.pk != policy.pk] + [_fresh(policy)]
    through = get_user_model().groups.through.objects.filter(group_id__in=policy.groups.values("pk"))
    user_ids = set(through.values_list("user_id", flat=True))
    groups_of = defaultdict(set)
    for user_id, group_id in (
        get_user_model().groups.through.objects.filter(user_id__in=user_ids).values_list("user_id", "group_id")
    ):
        groups_of[user_id].add(group_id)
    return sorted(
        user_id for user_id in user_ids
        if getattr(pick(p for p in policies if p.group_ids & groups_of[user_id]), "pk", None) == policy.pk
    )  # fmt: skip


def _fresh(policy: Policy) -> Policy:
    policy = Policy.objects.get(pk=policy.pk)
    policy.group_ids = frozenset(policy.groups.values_list("pk", flat=True))
    return policy


def preview_policy(policy: Policy) -> Preview:
    """What apply_policy would change: each member's balance brought up to the start balance (never down) and
    given the policy's auto-refill rule. Members without a balance get the policy when it is created."""
    policy = _fresh(policy)
    members = _members(policy)
    names = dict(get_user_model().objects.filter(pk__in=members).values_list("pk", "username"))
    wanted = policy.auto_refill_fields or {"auto_refill_enabled": False}
    changes = []
    for user_id, balance in sorted(ledger_selectors.balances_of(members).items()):
        before = {name: getattr(balance, name) for name in wanted}
        top_up = max(0.0, policy.start_balance - balance.token_credits)
        if top_up or before != wanted:
            changes.append(Change(user_id, names.get(user_id, str(user_id)), balance.token_credits, top_up, before,
                                  dict(wanted)))  # fmt: skip
    return Preview(policy, len(members), changes)


class StalePreview(Exception):
    """The balances changed since the operator's preview: show the new one instead of applying."""


def apply_policy(*, policy: Policy, fingerprint: str, actor, request=None) -> Preview:
    """Apply the previewed changes (refused with StalePreview when they differ from the preview): one grant
    per top-up (a ledger row naming the actor and the policy) and the refill rule, all in one transaction with
    one audit event counting them."""
    with transaction.atomic():
        preview = preview_policy(policy)
        if preview.fingerprint != fingerprint:
            raise StalePreview
        reason = f"policy {preview.policy.name} applied"
        for change in preview.changes:
            if change.top_up:
                ledger_services.grant_credits(user=change.user_id, amount=change.top_up, actor=actor, reason=reason)
            if change.refill_changes:
                set_auto_refill(user=change.user_id, auto_refill=change.refill_after)
        record(action=audit.APPLIED, actor=actor, target=preview.policy, request=request, metadata={
            "members": preview.members, "balances": len(preview.changes), "top_ups": preview.top_ups,
            "top_up_credits": preview.top_up_total, "refill_changes": preview.refills,
        })  # fmt: skip
    return preview


def send_budget_notices(now: dt.datetime | None = None) -> int:
    """For each budget, claim every level its spend has reached this period and not yet announced, and send
    budget_crossed once per claim (after it commits); returns the notices claimed."""
    now = now or timezone.now()
    claimed = 0
    for budget in Budget.objects.all():
        usage = budgets.usage(budget, now)
        for level in budget.notice_levels or conf.notice_levels():
            if usage.percent >= level and _claim(budget, usage, level):
                claimed += 1
    return claimed


def _claim(budget: Budget, usage: budgets.Usage, level: int) -> bool:
    try:
        with transaction.atomic():
            _notice, created = BudgetNotice.objects.get_or_create(
                budget=budget, period_start=usage.start, level=level, defaults={"percent": usage.percent}
            )
    except IntegrityError:  # another evaluation claimed it between the read and the insert
        return False
    if created:
        transaction.on_commit(lambda: signals.budget_crossed.send_robust(
            sender=Budget, budget=budget, level=level, percent=usage.percent, spent=usage.spent,
            period_start=usage.start, period_end=usage.end,
        ))  # fmt: skip
    return created
