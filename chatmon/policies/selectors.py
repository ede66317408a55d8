"""Reads of policies and budgets for other apps (dashboards, alerting, the API): they read through these."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from chatmon.policies import budgets, forecast
from chatmon.policies.budgets import Usage
from chatmon.policies.forecast import DayReader, Forecast
from chatmon.policies.models import Budget, Period
from chatmon.policies.resolution import Resolution, resolve

__all__ = ["Forecast", "Resolution", "Usage", "all_budgets", "budget_forecast", "budget_usage", "budgets_of",
           "policy_of", "service_forecast"]  # fmt: skip


def policy_of(user) -> Resolution:
    """The user's policy and the group it comes through (`describe()`: "Research, via group research")."""
    return resolve(getattr(user, "pk", user))


def all_budgets() -> QuerySet[Budget]:
    return Budget.objects.select_related("user", "group").order_by("name")


def budgets_of(user) -> list[Budget]:
    """The budgets the user's spends count toward (model budgets aside: they hold everyone's spend on it)."""
    user_id = getattr(user, "pk", user)
    group_ids = resolve(user_id).group_ids or frozenset()
    sources = lambda: budgets.sources_of(user_id)  # noqa: E731
    return [b for b in all_budgets().exclude(scope=Budget.Scope.MODEL)
            if budgets.holds(b, user_id=user_id, group_ids=group_ids, model=None, sources=sources)]  # fmt: skip


def budget_usage(budget: Budget, now: dt.datetime) -> Usage:
    return budgets.usage(budget, now)


def budget_forecast(budget: Budget, now: dt.datetime, *, service_days: DayReader | None = None) -> Forecast:
    return forecast.of_budget(budget, now, service_days=service_days)


def service_forecast(now: dt.datetime, *, service_days: DayReader | None = None) -> Forecast:
    """The service's month, against the monthly service budget when one exists (the lowest, if several).
    `service_days`: a faster reader of the service's spend per local day (forecast.of_budget says which)."""
    limits = Budget.objects.filter(scope=Budget.Scope.SERVICE, period=Period.MONTH).values_list("limit", flat=True)
    return forecast.of_service_month(now, min(limits, default=None), service_days=service_days)
