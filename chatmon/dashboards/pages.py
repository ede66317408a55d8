"""The dashboard pages: each is a list of panels for a time range, plus a few headline figures."""

from __future__ import annotations

from django.apps import apps

from chatmon.dashboards import access, links, status
from chatmon.dashboards.access import Section
from chatmon.dashboards.panels import Link, Panel
from chatmon.dashboards.ranges import Range
from chatmon.dashboards.selectors import abuse, breakdown, budgets, coverage, engagement, spending, traffic, usage
from chatmon.dashboards.selectors import models as model_selectors


def jobs_panel(r: Range) -> Panel:
    rows = [
        [Link(job.job, links.admin_list("chatmon.jobrun", task=job.job)),
         job.last_success.strftime("%Y-%m-%d %H:%M:%S") if job.last_success else "never",
         job.latest_status, job.failures]
        for job in status.job_health(r.start, r.end)
    ]  # fmt: skip
    columns = ["job", "last success", "latest run", f"failures in {r.label}"]
    return Panel("jobs", "Beat jobs", columns, rows, note="Each job links to its runs (errors included).")


def health_panel() -> Panel:
    return Panel("health", "Service health", ["check", "status"], [list(row) for row in status.service_health()])


def slow_query_panel() -> Panel:
    rows = [list(row) for row in status.slow_queries()]
    note = "Since the web processes started; each slow query is logged by chatmon.db with its SQL."
    return Panel("slow-queries", "Slow queries", ["database", "route or task", "queries"], rows, note=note)


def cache_panel() -> Panel:
    stats = status.cache_hit_rate()
    if stats is None:
        return Panel("cache", "Cache hit rate", ["figure", "value"], [["Redis", "unavailable"]])
    hits, misses = stats
    rate = round(hits * 100 / (hits + misses), 2) if hits + misses else 0.0
    rows = [["hits", hits], ["misses", misses], ["hit rate %", rate]]
    return Panel("cache", "Cache hit rate", ["figure", "value"], rows, note="Redis keyspace, since it started.")


def queue_panel() -> Panel:
    rows = [[queue, "unavailable" if depth is None else depth] for queue, depth in status.queue_depths()]
    return Panel("queues", "Celery queue depths", ["queue", "messages waiting"], rows)


def server_panels() -> list[Panel]:
    return [slow_query_panel(), cache_panel(), queue_panel()]


def model_usage_panels(r: Range) -> list[Panel]:
    return [*usage.token_panels(r), *usage.model_panels(r), budgets.forecast_panel(r.end)]


def _one(build):
    return lambda r: [build(r)]


# Each page is its sections in order; a user sees the sections their permissions open (access.py), and a page
# none of whose sections they may see is a 403.
PAGES: dict[str, tuple[str, list[Section]]] = {
    "overview": ("Overview", [
        Section(access.REQUESTS, traffic.traffic_panels),
        Section(access.ACTIVE_USERS, _one(engagement.active_users_panel)),
        # With the month's forecast: "will we exceed the budget this month?" answered on the first page.
        Section(access.MODEL_USAGE, lambda r: [*usage.token_panels(r), budgets.forecast_panel(r.end)]),
        Section(access.MODELS, _one(model_selectors.overview_panel)),
        Section(access.VIOLATION_HOURS, _one(abuse.violation_panel)),
        Section(access.JOBS, lambda r: [jobs_panel(r), health_panel()]),
    ]),
    "performance": ("Performance", [
        # Traffic and latency first: of every route, or of the one a route link narrowed the page to.
        Section(access.REQUESTS, lambda r: [*traffic.traffic_panels(r), *traffic.route_panels(r), *server_panels()]),
    ]),
    "models": ("Models", [
        Section(access.MODELS, model_selectors.page_panels),  # ?model= drills down (models_view: ?compare=a,b)
    ]),
    "usage": ("Usage and cost", [
        Section(access.MODEL_USAGE, model_usage_panels),
        Section(access.BUDGETS, _one(budgets.budgets_panel)),
        Section(access.USER_USAGE, _one(usage.top_spenders)),
        Section(access.TRANSACTIONS, breakdown.spend_panels),
        Section(access.VIOLATION_HOURS, _one(usage.denials_panel)),
        Section(access.TRANSACTIONS, _one(coverage.coverage_panel)),
    ]),
    "abuse": ("Abuse", [
        Section(access.VIOLATION_HOURS, _one(abuse.violation_panel)),
        Section(access.BAN_HOURS, _one(abuse.ban_panel)),
        Section(access.OFFENDERS, abuse.offender_panels),
        Section(access.BANS, lambda r: [abuse.active_bans()]),
        Section(access.USER_USAGE, _one(spending.anomalies_panel)),
    ]),
    "engagement": ("Engagement", [
        Section(access.ACTIVE_USERS, _one(engagement.active_users_panel)),
        Section(access.USER_USAGE, engagement.per_user_panels),
        Section(access.DAILY_COUNTS, engagement.daily_count_panels),
    ]),
}  # fmt: skip

if apps.is_installed("chatmon.analytics"):  # its panels join the pages; a project may leave the app out
    from chatmon.dashboards.selectors import analytics

    PAGES["engagement"][1].extend([
        Section(access.SIGN_IN_PLACES, _one(analytics.sign_in_countries)),
        Section(access.COHORTS, _one(analytics.cohort_triangle)),
        Section(access.FUNNELS, _one(analytics.funnel_results)),
        Section(access.EXPERIMENTS, _one(analytics.experiment_results)),
        Section(access.KPIS, _one(analytics.kpi_values)),
    ])  # fmt: skip
    PAGES["abuse"][1].extend([
        Section(access.VIOLATIONS, _one(analytics.violation_countries)),
        Section(access.BANS, _one(analytics.ban_countries)),
    ])  # fmt: skip


def panels_for(user, slug: str, r: Range) -> list[Panel]:
    """The panels of page `slug` that `user` may see; PermissionDenied when there are none."""
    sections = access.allowed(user, PAGES[slug][1])
    access.require(bool(sections))
    return [panel for section in sections for panel in section.build(r)]


def denied_panel(user, slug: str, r: Range, panel: str) -> bool:
    """Whether `panel` is on page `slug` in a section `user` may not see (a 403 rather than a 404)."""
    hidden = [section for section in PAGES[slug][1] if section not in access.allowed(user, PAGES[slug][1])]
    return any(p.slug == panel for section in hidden for p in section.build(r))
