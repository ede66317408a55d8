"""Violations, bans and offenders from the violation rollups; currently active bans through the violations
app's selectors (only the active ones, which are few)."""

from __future__ import annotations

from django.db.models import Sum

from chatmon.dashboards import conf
from chatmon.dashboards.models import BanHour, OffenderDay, ViolationHour
from chatmon.dashboards.panels import Panel
from chatmon.dashboards.ranges import Range
from chatmon.dashboards.selectors.common import bucketed, period_start, pivot, usernames
from violations import selectors as violation_selectors
from violations.types import BanKind


def violation_panel(r: Range) -> Panel:
    rows = list(ViolationHour.objects.filter(hour__gte=period_start(r, "hour")).values("hour", "type", "count"))
    columns, table = pivot(r, rows, "hour", "type", "count")
    return Panel("violations", "Violations by type", ["time", *columns], table, "line")


def ban_panel(r: Range) -> Panel:
    grouped = BanHour.objects.filter(hour__gte=period_start(r, "hour")).values("hour", "kind").annotate(n=Sum("count"))
    users = bucketed(r, [g for g in grouped if g["kind"] == BanKind.USER], "hour", ["n"])
    ips = bucketed(r, [g for g in grouped if g["kind"] == BanKind.IP], "hour", ["n"])
    rows = [[r.label_of(b), int(users[b]["n"]), int(ips[b]["n"])] for b in users]
    return Panel("bans", "Bans", ["time", "user bans", "IP bans"], rows, "bar")


def offender_panels(r: Range) -> list[Panel]:
    recent = OffenderDay.objects.filter(day__gte=period_start(r, "day"))
    top = conf.top_n()
    users = list(recent.filter(user__isnull=False).values("user_id").annotate(n=Sum("count"), s=Sum("score"))
                 .order_by("-s", "-n")[:top])  # fmt: skip
    ips = list(recent.filter(user__isnull=True).values("ip").annotate(n=Sum("count"), s=Sum("score"))
               .order_by("-s", "-n")[:top])  # fmt: skip
    names = usernames([row["user_id"] for row in users])
    note = "Daily rollups: the range is rounded out to whole days. Signed-in offenders count by user."
    return [
        Panel("offending-users", "Top offending users", ["user", "score", "violations"],
              [[names.get(u["user_id"], u["user_id"]), u["s"], u["n"]] for u in users], "bar", note=note),
        Panel("offending-ips", "Top offending IP addresses", ["ip", "score", "violations"],
              [[row["ip"], row["s"], row["n"]] for row in ips], "bar", note=note),
    ]  # fmt: skip


def active_bans() -> Panel:
    bans = violation_selectors.active_bans()[:200]
    rows = [[ban.target if ban.user is None else f"user {ban.user}", ban.kind, ban.source, ban.reason,
             ban.expires_at.strftime("%Y-%m-%d %H:%M")] for ban in bans]  # fmt: skip
    return Panel("active-bans", "Currently banned", ["target", "kind", "source", "reason", "expires"], rows)
