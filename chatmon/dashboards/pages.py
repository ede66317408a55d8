"""The dashboard pages: each is a list of panels for a time range, plus a few headline figures."""

from __future__ import annotations

from chatmon.dashboards import status
from chatmon.dashboards.panels import Panel
from chatmon.dashboards.ranges import Range
from chatmon.dashboards.selectors import abuse, engagement, traffic, usage


def overview(r: Range) -> list[Panel]:
    return [
        *traffic.traffic_panels(r),
        engagement.active_users_panel(r),
        *usage.token_panels(r),
        abuse.violation_panel(r),
        jobs_panel(r),
        health_panel(),
    ]


def performance(r: Range) -> list[Panel]:
    return [*traffic.route_panels(r), slow_query_panel(), cache_panel(), queue_panel()]


def usage_and_cost(r: Range) -> list[Panel]:
    return [*usage.token_panels(r), *usage.model_panels(r), usage.spend_forecast(r.end), usage.top_spenders(r),
            usage.denials_panel(r)]  # fmt: skip


def abuse_page(r: Range) -> list[Panel]:
    return [abuse.violation_panel(r), abuse.ban_panel(r), *abuse.offender_panels(r), abuse.active_bans()]


def engagement_page(r: Range) -> list[Panel]:
    return [engagement.active_users_panel(r), *engagement.per_user_panels(r), *engagement.daily_count_panels(r)]


def jobs_panel(r: Range) -> Panel:
    rows = [
        [job.job, job.last_success.strftime("%Y-%m-%d %H:%M:%S") if job.last_success else "never",
         job.latest_status, job.failures]
        for job in status.job_health(r.start)
    ]  # fmt: skip
    columns = ["job", "last success", "latest run", f"failures in {r.label}"]
    return Panel("jobs", "Beat jobs", columns, rows)


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


PAGES = {
    "overview": ("Overview", overview),
    "performance": ("Performance", performance),
    "usage": ("Usage and cost", usage_and_cost),
    "abuse": ("Abuse", abuse_page),
    "engagement": ("Engagement", engagement_page),
}
