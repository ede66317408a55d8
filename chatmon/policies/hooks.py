"""What this app plugs into the ledger and violations (named in chatmon/settings/policies.py):

- LEDGER_BALANCE_SETTINGS_RESOLVER -> balance_settings: a new balance starts with the user's policy's start
  balance and auto-refill; "managed" keeps the ledger's settings sync from rewriting an existing balance (an
  operator applies a changed policy explicitly, services.apply_policy).
- LEDGER_ADMISSION_HOOKS -> admit: a model the policy does not allow, the policy's spend cap, and every hard-stop
  budget that holds the spend refuse the check, each with its reason.
- VIOLATIONS_RATE_LIMIT_OVERRIDE -> rate_limit: the policy's max and window for a per-user limiter.

Cost per balance check: the snapshot's stamp (a cache read at most once a second), the user's groups (one
query the first time per snapshot, then remembered), and one cache read for the user's spend against their
policy's cap and one per hard-stop budget that holds the spend (the sums behind them are re-read every
POLICIES_SPEND_CACHE_SECONDS). bench/policies_check.py measures it.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from functools import cache as memoize

from chatmon.policies import budgets, cache, periods
from chatmon.policies.resolution import resolve
from ledger import money
from ledger import selectors as ledger_selectors
from ledger.balancesettings import Refusal
from ledger.pricing import value_key

MODEL_NOT_ALLOWED = "model_not_allowed"
BUDGET_EXCEEDED = "budget_exceeded"


def balance_settings(user_id) -> dict | None:
    policy = resolve(user_id).policy
    if policy is None:
        return None
    return {"start_balance": policy.start_balance, "auto_refill": policy.auto_refill_fields, "managed": True}


def model_allowed(patterns: list[str], model: str | None) -> bool:
    """An empty list allows every model; else the model's name or pricing key must match one pattern."""
    if not patterns:
        return True
    if not model:
        return False
    if any(fnmatch.fnmatchcase(model, pattern) for pattern in patterns):
        return True
    key = value_key(model)  # only when the name matched nothing: finding the key costs more than the match
    return bool(key) and any(fnmatch.fnmatchcase(key, pattern) for pattern in patterns)


def admit(*, user_id, model, endpoint, cost: float, now: dt.datetime) -> Refusal | None:
    snapshot = cache.current()
    if not snapshot.policies and not any(budget.hard_stop for budget in snapshot.budgets):
        return None
    resolution = resolve(user_id, snapshot)
    policy = resolution.policy
    if policy is not None and not model_allowed(policy.allowed_models, model):
        return Refusal(MODEL_NOT_ALLOWED, f"The model {model} is not available under the policy {policy.name}.",
                       {"model": model, "policy": policy.name})  # fmt: skip
    if policy is not None and policy.budget_cap is not None:
        start, end = periods.bounds(policy.budget_cap_period, now)
        key = f"chatmon:policies:cap:{user_id}:{start.timestamp():.0f}"
        spent = budgets.remembered(key, lambda: ledger_selectors.spend_total(since=start, until=end, users=[user_id]))
        if spent + cost > policy.budget_cap:
            return _refusal(f"your {policy.budget_cap_period} cap under the policy {policy.name}",
                            spent, policy.budget_cap, end, {"policy": policy.name})  # fmt: skip
    sources = memoize(lambda: budgets.sources_of(user_id))
    for budget in snapshot.budgets:
        if not budget.hard_stop:
            continue
        if not budgets.holds(budget, user_id=user_id, group_ids=resolution.group_ids, model=model, sources=sources):
            continue
        spent = budgets.cached_spend(budget, now)
        if spent + cost > budget.limit:
            _, end = periods.bounds(budget.period, now)
            return _refusal(f"the budget {budget.name}", spent, budget.limit, end, {"budget": budget.name})
    return None


def _refusal(what: str, spent: float, limit: float, end: dt.datetime, details: dict) -> Refusal:
    message = (f"This request would exceed {what}: {money.format_amount(spent)} of "
               f"{money.format_amount(limit)} spent; it renews {end:%Y-%m-%d %H:%M %Z}.")  # fmt: skip
    return Refusal(BUDGET_EXCEEDED, message, {**details, "spent": spent, "limit": limit, "renewsAt": end.isoformat()})


def rate_limit(name: str, user) -> dict | None:
    policy = resolve(user.pk).policy
    return None if policy is None else policy.rate_limits.get(name)
