"""Spend by model, endpoint and API-key source for the Usage page, narrowed by its filters (filters.py).

Spends are the ledger's one definition of a spend (token and per-call rows together, through
`ledger.selectors.spend_grouped`): the last hour read from its rows, longer ranges from the daily SpendDay
rollup that the usage rollup job fills with the same selector. One query grouped by model, endpoint and user
serves the three panels.

A user's API-key source is the source of their external id (chatmon.api's ExternalUser: the id space a key
names users in). A user with ids in several sources counts under the first in alphabetical order, so that
the sources add up to the total; a user with none (the chat app's own accounts) under "(local)".
"""

from __future__ import annotations

from collections import defaultdict

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Sum

from chatmon.dashboards import links
from chatmon.dashboards.filters import LOCAL, Filters
from chatmon.dashboards.models import SpendDay
from chatmon.dashboards.panels import Link, Panel, money_columns
from chatmon.dashboards.ranges import Range
from chatmon.dashboards.selectors.common import within
from ledger import money
from ledger import selectors as ledger_selectors

COLUMNS = [*money_columns(), "tokens", "calls", "requests"]
FORMATS = {1: "credits", 2: "money", 3: "int", 4: "int", 5: "int"}
NONE = "(none)"
CHUNK = 5000


FIGURES = ("credits", "tokens", "calls", "requests")


def spend_panels(r: Range) -> list[Panel]:
    rows = _spends(r)
    sources = _sources_of({row["user_id"] for row in rows})
    note = _note(r)
    return [
        _panel("spend-by-model", "Spend by model", "model", _summed(rows, lambda row: row["model"]), links.model, note),
        _panel("spend-by-endpoint", "Spend by endpoint", "endpoint", _summed(rows, lambda row: row["endpoint"]),
               _text, note),
        _panel("spend-by-source", "Spend by API-key source", "source",
               _summed(rows, lambda row: sources.get(row["user_id"], LOCAL)), links.api_source, note),
    ]  # fmt: skip


def _spends(r: Range) -> list[dict]:
    """Spends per model, endpoint and user: one grouped query for the three panels. The last hour from the
    ledger's rows (exact to the minute, few rows on the time index); longer ranges from the daily rollup,
    rounded out to whole days, so that a month costs the same whatever the number of transactions."""
    f = r.filters
    keys = ("model", "endpoint", "user_id")
    if r.minute_grain:
        return list(ledger_selectors.spend_grouped(
            by=keys, since=r.start, until=r.end, users=_users(f), model=f.model or None, endpoint=f.endpoint or None,
        ))  # fmt: skip
    rows = SpendDay.objects.filter(**within(r, "day"))
    users = _users(f)
    if users is not None:
        rows = rows.filter(user_id__in=users)
    if f.model:
        rows = rows.filter(model=f.model)
    if f.endpoint:
        rows = rows.filter(endpoint=f.endpoint)
    return list(rows.values(*keys).annotate(**{name: Sum(name) for name in FIGURES}).order_by())


def _panel(slug: str, title: str, key: str, totals: list, name, note: str) -> Panel:
    rows = [[name(group), *_figures(figures)] for group, figures in totals]
    return Panel(slug, title, [key, *COLUMNS], rows, "bar", series=[1], formats=FORMATS, note=note)


def _summed(rows: list[dict], group) -> list[tuple]:
    """(group, figures) per value of `group(row)`, largest spend first."""
    totals: dict = defaultdict(lambda: dict.fromkeys(FIGURES, 0.0))
    for row in rows:
        figures = totals[group(row) or NONE]
        for name in FIGURES:
            figures[name] += row[name] or 0
    return sorted(totals.items(), key=lambda item: (-item[1]["credits"], str(item[0])))


def _figures(row) -> list:
    credits = row["credits"] or 0.0
    return [money.round_credits(credits), money.round_money(credits), round(row["tokens"] or 0),
            round(row["calls"] or 0), row["requests"] or 0]  # fmt: skip


def _users(f: Filters):
    """The user ids the source and user filters leave (a queryset, sent as a subquery), None for all users."""
    if not f.source:
        return None if f.user_id is None else [f.user_id]
    User = get_user_model()
    if not apps.is_installed("chatmon.api"):  # no external ids: every user is local
        members = User.objects.all() if f.source == LOCAL else User.objects.none()
    elif f.source == LOCAL:
        members = User.objects.filter(external_ids__isnull=True)
    else:
        members = User.objects.filter(external_ids__source=f.source)
    if f.user_id is not None:
        members = members.filter(pk=f.user_id)
    return members.values("pk")


def _sources_of(user_ids) -> dict[int, str]:
    """User id -> the first of their sources in alphabetical order; users with none are left out. One query
    per CHUNK users (SQLite caps a statement's parameters)."""
    if not apps.is_installed("chatmon.api"):
        return {}
    ids = list(user_ids)
    found: dict[int, str] = {}
    for start in range(0, len(ids), CHUNK):
        rows = (
            get_user_model().objects.filter(pk__in=ids[start : start + CHUNK], external_ids__isnull=False)
            .order_by("external_ids__source").values_list("pk", "external_ids__source")
        )  # fmt: skip
        for user_id, source in rows:
            found.setdefault(user_id, source)
    return found


def _text(value) -> str | Link:
    return value or NONE


def _note(r: Range) -> str:
    f = r.filters
    shown = ", ".join(f"{name} {getattr(f, name)!r}" for name in ("model", "endpoint", "source", "user")
                      if getattr(f, name))  # fmt: skip
    scope = f"Filtered to {shown}. " if shown else ""
    source = "the ledger's rows" if r.minute_grain else "daily rollups: the range is rounded out to whole days"
    return f"{scope}Token and per-call spends, from {source}. {money.exchange_note()}"
