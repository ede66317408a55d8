"""Violations, bans and offenders from the violation rollups (the last hour from the violations app's rows per
minute, since the rollups are hourly); currently active bans through the violations app's selectors (only the
active ones, which are few). Users link to User 360, IP addresses to their violations in the admin."""

from __future__ import annotations

from django.db.models import Sum

from chatmon.dashboards import conf, links
from chatmon.dashboards.models import BanHour, OffenderDay, ViolationHour
from chatmon.dashboards.panels import Panel
from chatmon.dashboards.ranges import Range
from chatmon.dashboards.selectors.common import bucketed, grain, period_start, pivot, within
from violations import selectors as violation_selectors
from violations.types import BanKind

SECONDS = "%Y-%m-%d %H:%M:%S"


def violation_panel(r: Range) -> Panel:
    if r.minute_grain:
        rows = list(violation_selectors.violations_by_minute(since=period_start(r, "minute"), until=r.end))
    else:
        rows = list(ViolationHour.objects.filter(**within(r, "hour")).values("hour", "type", "count"))
    columns, table = pivot(r, rows, grain(r), "type", "count")
    return Panel("violations", "Violations by type", ["time", *columns], table, "line", timeline=True,
                 formats=dict.fromkeys(range(1, len(columns) + 1), "int"))  # fmt: skip


def ban_panel(r: Range) -> Panel:
    if r.minute_grain:
        grouped = list(violation_selectors.bans_by_minute(since=period_start(r, "minute"), until=r.end))
    else:
        grouped = list(BanHour.objects.filter(**within(r, "hour")).values("hour", "kind", "count"))
    users = bucketed(r, [g for g in grouped if g["kind"] == BanKind.USER], grain(r), ["count"])
    ips = bucketed(r, [g for g in grouped if g["kind"] == BanKind.IP], grain(r), ["count"])
    rows = [[r.label_of(b), int(users[b]["count"]), int(ips[b]["count"])] for b in users]
    return Panel("bans", "Bans", ["time", "user bans", "IP bans"], rows, "bar", timeline=True)


def offender_panels(r: Range) -> list[Panel]:
    recent = OffenderDay.objects.filter(**within(r, "day"))
    top = conf.top_n()
    users = list(recent.filter(user__isnull=False).values("user_id").annotate(n=Sum("count"), s=Sum("score"))
                 .order_by("-s", "-n")[:top])  # fmt: skip
    ips = list(recent.filter(user__isnull=True).values("ip").annotate(n=Sum("count"), s=Sum("score"))
               .order_by("-s", "-n")[:top])  # fmt: skip
    names = links.users(row["user_id"] for row in users)
    note = "Daily rollups: the range is rounded out to whole days. Signed-in offenders count by user."
    return [
        Panel("offending-users", "Top offending users", ["user", "score", "violations"],
              [[links.user(u["user_id"], names), u["s"], u["n"]] for u in users], "bar", note=note),
        Panel("offending-ips", "Top offending IP addresses", ["ip", "score", "violations"],
              [[links.ip(row["ip"]), row["s"], row["n"]] for row in ips], "bar", note=note),
    ]  # fmt: skip


def active_bans() -> Panel:
    bans = list(violation_selectors.active_bans()[:200])
    rows = [[links.of_user(ban.user) if ban.kind == BanKind.USER else links.ip_bans(ban.ip), ban.kind, ban.source,
             ban.reason, ban.expires_at.strftime(SECONDS)] for ban in bans]  # fmt: skip
    return Panel(
        "active-bans",
        "Currently banned",
        ["target", "kind", "source", "reason", "expires (UTC)"],
        rows,
        note="Users link to User 360 (lift the ban there), IP addresses to their bans in the admin.",
    )
