"""What a budget has spent in its current period, from the ledger's spend rows (ledger.selectors.spend_by_day:
token and per-call spends alike, the ledger's one definition of a spend).

A member's spend counts toward every budget whose scope holds it: their user or member budget, each of their
groups' budgets, their API source's budget, the model's budget and the service budget.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.cache import caches

from chatmon.policies import conf, periods
from chatmon.policies.models import Budget
from ledger import selectors as ledger_selectors
from ledger.pricing import value_key


@dataclass(frozen=True)
class Usage:
    budget: Budget
    spent: float
    start: dt.datetime
    end: dt.datetime

    @property
    def percent(self) -> float:
        return round(100 * self.spent / self.budget.limit, 1)


def users_of(budget: Budget):
    """The users whose spends count toward `budget` (a queryset or list of ids), None for every user."""
    scope = budget.scope
    if scope in (Budget.Scope.USER, Budget.Scope.MEMBER):
        return [budget.user_id]
    if scope == Budget.Scope.GROUP:
        return get_user_model().objects.filter(groups=budget.group_id).values("pk")
    if scope == Budget.Scope.SOURCE:
        return _source_users(budget.source)
    return None


def _source_users(source: str):
    if not apps.is_installed("chatmon.api"):
        return []
    external = apps.get_model("chatmon_api", "ExternalUser")
    return external.objects.filter(source=source).values("user_id")


def sources_of(user_id) -> set[str]:
    """The API sources `user_id` has an id in (a source budget holds them)."""
    if not apps.is_installed("chatmon.api"):
        return set()
    external = apps.get_model("chatmon_api", "ExternalUser")
    return set(external.objects.filter(user_id=user_id).values_list("source", flat=True))


def spend_days(budget: Budget, since: dt.datetime, tz: dt.tzinfo) -> dict[dt.date, float]:
    return ledger_selectors.spend_by_day(since=since, tzinfo=tz, users=users_of(budget), model=budget.model or None)


def usage(budget: Budget, now: dt.datetime) -> Usage:
    """The budget's spend in the period holding `now` (one sum)."""
    tz = conf.time_zone()
    start, end = periods.bounds(budget.period, now, tz)
    spent = ledger_selectors.spend_total(since=start, until=end, users=users_of(budget), model=budget.model or None)
    return Usage(budget, spent, start, end)


def cached_spend(budget: Budget, now: dt.datetime) -> float:
    """usage().spent, shared by every process for POLICIES_SPEND_CACHE_SECONDS: a hard stop then costs one
    cache read per budget rather than a sum over the period's rows at every balance check."""
    start, _ = periods.bounds(budget.period, now)
    key = f"chatmon:policies:spend:{budget.pk}:{start.timestamp():.0f}"
    return remembered(key, lambda: usage(budget, now).spent)


def remembered(key: str, compute) -> float:
    """compute(), kept in the shared cache for POLICIES_SPEND_CACHE_SECONDS (0: always computed; the cache
    unreachable: computed, as with caching off)."""
    seconds = conf.spend_cache_seconds()
    if seconds <= 0:
        return compute()
    cache = caches[conf.cache_alias()]
    try:
        spent = cache.get(key)
    except Exception:
        return compute()
    if spent is None:
        spent = compute()
        with contextlib.suppress(Exception):  # the cache down: the next check computes again
            cache.set(key, spent, timeout=seconds)
    return spent


def matches_model(budget: Budget, model: str | None) -> bool:
    return bool(model) and budget.model in (model, value_key(model))


def holds(budget: Budget, *, user_id, group_ids: frozenset, model: str | None, sources=None) -> bool:
    """Whether a spend by `user_id` on `model` counts toward `budget` (`sources`: a callable giving the user's
    API sources, asked only for a source budget)."""
    scope = budget.scope
    if scope == Budget.Scope.SERVICE:
        return True
    if scope == Budget.Scope.USER:
        return budget.user_id == user_id
    if scope == Budget.Scope.MEMBER:
        return budget.user_id == user_id and budget.group_id in group_ids
    if scope == Budget.Scope.GROUP:
        return budget.group_id in group_ids
    if scope == Budget.Scope.MODEL:
        return matches_model(budget, model)
    return sources is not None and budget.source in sources()
