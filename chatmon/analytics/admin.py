"""Analytics in the admin: experiments with their result per variant, funnels with their conversion, and the
rows jobs and services write (exposures, sign-in places, users' feature events, cohort cells), read-only.
The per-country filters of the user and ban lists are in country_filters.py."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html_join

from chatmon.analytics import experiments, funnels, kpis
from chatmon.analytics.models import CohortCell, Experiment, Exposure, Funnel, Kpi, SignInPlace, UserEventDay


@admin.register(Experiment)
class ExperimentAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "metric", "active", "created_at"]
    list_filter = ["active", "metric"]
    search_fields = ["name", "slug"]
    readonly_fields = ["result"]

    @admin.display(description="Result (from the exposures so far)")
    def result(self, obj: Experiment) -> str:
        if obj.pk is None:
            return "-"
        rows = experiments.results(obj)
        return format_html_join(
            "\n",
            "<p><b>{}</b>: {} users, {} per user. {}</p>",
            ((r.name, r.users, f"{r.value:.4g}", r.statement) for r in rows),
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that jobs and services write: listed and filtered here, never added or edited."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Exposure)
class ExposureAdmin(ReadOnlyAdmin):
    list_display = ["experiment", "user", "variant", "exposed_at"]
    list_filter = ["experiment", "variant"]
    search_fields = ["user__username"]
    list_select_related = ["experiment", "user"]


@admin.register(SignInPlace)
class SignInPlaceAdmin(ReadOnlyAdmin):
    list_display = ["user", "day", "country", "region", "count"]
    list_filter = ["country", "day"]
    search_fields = ["user__username", "country"]
    list_select_related = ["user"]


@admin.register(UserEventDay)
class UserEventDayAdmin(ReadOnlyAdmin):
    list_display = ["user", "name", "day", "count", "first_at", "last_at"]
    list_filter = ["name", "day"]
    search_fields = ["user__username", "name"]
    list_select_related = ["user"]


@admin.register(CohortCell)
class CohortCellAdmin(ReadOnlyAdmin):
    list_display = ["resolution", "cohort", "offset", "size", "active"]
    list_filter = ["resolution"]


@admin.register(Funnel)
class FunnelAdmin(admin.ModelAdmin):
    list_display = ["name", "window_days", "created_at"]
    search_fields = ["name"]
    readonly_fields = ["result"]

    @admin.display(description="Users who registered in the last 30 days")
    def result(self, obj: Funnel) -> str:
        if obj.pk is None:
            return "-"
        now = timezone.now()
        rows = funnels.evaluate(obj.steps, since=now - dt.timedelta(days=30), until=now, window_days=obj.window_days)
        return format_html_join("\n", "<p><b>{}</b>: {} users ({} of the first step, {} of the previous){}</p>", (
            (r.step, r.users, f"{r.share_of_first:.1%}", f"{r.share_of_previous:.1%}", _median(r)) for r in rows
        ))  # fmt: skip


def _median(row: funnels.StepResult) -> str:
    hours = row.median_hours_from_previous
    return "" if hours is None else f", median {hours:.3g} h after it"


@admin.register(Kpi)
class KpiAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "numerator", "denominator", "today"]
    search_fields = ["name", "slug", "numerator", "denominator"]
    readonly_fields = ["last_30_days"]

    @admin.display(description="today (UTC)")
    def today(self, obj: Kpi) -> str:
        return _figure(kpis.trend(obj, days=1)[-1][1])

    @admin.display(description="Last 30 days (UTC), newest first")
    def last_30_days(self, obj: Kpi) -> str:
        if obj.pk is None:
            return "-"
        rows = reversed(kpis.trend(obj, days=30))
        return format_html_join("\n", "<p>{}: {}</p>", ((day.isoformat(), _figure(value)) for day, value in rows))


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:,.4g}"
