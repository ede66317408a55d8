"""Budgets and the spend forecast (read through chatmon.policies' selectors): the service's month forecast and
the Budgets panel on Usage, and a user's policy and budgets on User 360. One forecast method for all of them
(chatmon/policies/forecast.py states it); a forecast of every spend reads its days from the hourly rollup
(selectors/rolled.py), so that a month costs the same whatever the number of transactions."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from chatmon.dashboards.panels import Link, Panel, money_columns
from chatmon.dashboards.ranges import Range
from chatmon.dashboards.selectors import rolled
from chatmon.policies import selectors as policy_selectors
from ledger import money

MONEY = {1: "credits", 2: "money"}


def _amount(credits: float | None) -> list:
    if credits is None:
        return [None, None]
    return [money.round_credits(credits), money.round_money(credits)]


def forecast_panel(now: dt.datetime) -> Panel:
    """Will the service exceed its budget this month? Spend so far, the daily run rate and where it leads.
    A table, not a chart: a per-day rate drawn beside monthly totals would read as a tiny bar."""
    f = policy_selectors.service_forecast(now, service_days=rolled.service_spend_by_day)
    # Short labels: the table has three columns of figures to fit beside them on a phone.
    rows = [["spent", *_amount(f.spent)], ["per day", *_amount(f.per_day)], ["projected", *_amount(f.projected)]]
    if f.low is not None:
        rows += [["low", *_amount(f.low)], ["high", *_amount(f.high)]]
    if f.limit:
        rows.append(["budget", *_amount(f.limit)])
    if f.exceeds_on:
        rows.append(["exceeded on", f"{f.exceeds_on:%Y-%m-%d}", ""])
    note = (f"{_answer(f)} Basis: {f.basis}. Projected = spent this month + credits per day x days left "
            f"({f.start:%Y-%m-%d} to {f.end:%Y-%m-%d}); low and high use the quietest and the busiest whole day "
            f"of the basis instead of the mean; budget: the monthly service budget. "
            f"{money.exchange_note()}")  # fmt: skip
    return Panel("forecast", f"Spend forecast for {now.astimezone(f.start.tzinfo):%B %Y}",
                 ["figure", *money_columns()], rows, formats=MONEY, note=note)  # fmt: skip


def _answer(f) -> str:
    if f.per_day is None:
        return "Not enough data for a forecast yet."
    if not f.limit:
        return "No monthly service budget is set."
    if f.spent >= f.limit:
        return "The monthly service budget is exceeded."
    if f.exceeds_on:
        return f"At this pace the monthly service budget is exceeded on {f.exceeds_on:%Y-%m-%d}."
    return "At this pace the month stays within the service budget."


def budget_link(budget) -> Link:
    return Link(budget.name, reverse("admin:chatmon_policies_budget_change", args=[budget.pk]))


def budgets_panel(r: Range) -> Panel:
    """Each budget this period: spend, limit, use, projected end of period, the day it would be exceeded."""
    now = timezone.now()
    rows = []
    for budget in policy_selectors.all_budgets():
        f = policy_selectors.budget_forecast(budget, now, service_days=rolled.service_spend_by_day)
        rows.append([budget_link(budget), budget.subject, budget.period, *_amount(f.spent),
                     money.round_credits(budget.limit), f.percent,
                     None if f.projected is None else money.round_credits(f.projected),
                     f"{f.exceeds_on:%Y-%m-%d}" if f.exceeds_on else "", f.status or "",
                     "hard stop" if budget.hard_stop else "notices"])  # fmt: skip
    columns = ["budget", "covers", "period", *money_columns("spent"), "limit (credits)", "use %",
               "projected (credits)", "exceeded on", "status", "at the limit"]  # fmt: skip
    note = (
        "This period's spend (calendar periods); each budget links to its settings in the admin. Forecast: the "
        "mean spend per day over the last 7 days (or since the first ledger row) to the period's end; under a "
        "day of history, none."
    )
    return Panel("budgets", "Budgets", columns, rows, "bar", series=[6], wide=True, note=note,
                 formats={3: "credits", 4: "money", 5: "credits", 6: "number", 7: "credits"})  # fmt: skip


def user_panel(user) -> list[Panel]:
    """User 360: the user's policy (and the group it comes through) and the budgets their spend counts toward."""
    now = timezone.now()
    rows = [["policy", policy_selectors.policy_of(user).describe(), None, None]]
    for budget in policy_selectors.budgets_of(user):
        usage = policy_selectors.budget_usage(budget, now)
        rows.append([budget_link(budget), f"{budget.subject}, per {budget.period}", usage.percent,
                     money.round_credits(usage.spent)])  # fmt: skip
    return [
        Panel(
            "policy",
            "Policy and budgets",
            ["what", "which", "use %", "spent (credits)"],
            rows,
            formats={2: "number", 3: "credits"},
            note="Use is this period's spend against each budget's limit.",
        )
    ]
