"""What each alert rule kind measures, now: a number compared with the rule's threshold (None: no data).

Rates and latency come from the per-minute request rollups (so they lag by up to a flush and a compaction);
spend, violations, bans and denials from their recent raw rows, which the time index keeps cheap for a
window of minutes; jobs and health from chatmon.dashboards.status.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import F, Q, Sum
from django.utils import timezone

from chatmon.alerting.models import AlertRule
from chatmon.dashboards import status
from chatmon.dashboards.histogram import percentile
from chatmon.monitoring.aggregator import BUCKET_FIELDS
from chatmon.monitoring.models import RequestRollup
from ledger.models import Transaction
from violations.models import Ban, Violation

DENIAL = "token_balance"
Kind = AlertRule.Kind


def measure(rule: AlertRule) -> float | None:
    since = timezone.now() - timedelta(minutes=rule.window_minutes)
    return MEASURES[rule.kind](rule, since)


def _requests(since) -> dict:
    minute = since.replace(second=0, microsecond=0)
    return RequestRollup.objects.filter(minute__gte=minute).aggregate(
        count=Sum("count"), errors=Sum("errors"), **{name: Sum(name) for name in BUCKET_FIELDS}
    )


def error_rate(rule, since) -> float | None:
    sums = _requests(since)
    return round(100 * (sums["errors"] or 0) / sums["count"], 3) if sums["count"] else None


def p95_latency(rule, since) -> float | None:
    return percentile(_requests(since), 0.95)


def spend_per_hour(rule, since) -> float:
    spends = Q(token_type__in=[Transaction.TokenType.PROMPT, Transaction.TokenType.COMPLETION])
    credits = Transaction.objects.filter(spends, created_at__gte=since).aggregate(c=Sum(-F("token_value")))["c"]
    return round((credits or 0) * 60 / rule.window_minutes, 2)


def violations(rule, since) -> float:
    return Violation.objects.filter(created_at__gte=since).exclude(type=DENIAL).count()


def denials(rule, since) -> float:
    return Violation.objects.filter(created_at__gte=since, type=DENIAL).count()


def bans(rule, since) -> float:
    return Ban.objects.filter(created_at__gte=since).count()


def _jobs(rule, since) -> list[status.JobHealth]:
    return [job for job in status.job_health(since) if not rule.job or job.job == rule.job]


def job_stale(rule, since) -> float | None:
    """Minutes since the stalest job last succeeded (a job that never succeeded counts as infinitely stale)."""
    ages = [job.age_minutes for job in _jobs(rule, since)]
    if not ages:
        return None
    return float("inf") if None in ages else round(max(ages), 1)


def job_failing(rule, since) -> float:
    return sum(job.latest_status == "failure" for job in _jobs(rule, since))


def health_failing(rule, since) -> float:
    return sum(result != "ok" for _, result in status.service_health())


MEASURES = {
    Kind.ERROR_RATE: error_rate,
    Kind.P95_LATENCY: p95_latency,
    Kind.SPEND_PER_HOUR: spend_per_hour,
    Kind.VIOLATION_SPIKE: violations,
    Kind.BAN_SPIKE: bans,
    Kind.DENIAL_SPIKE: denials,
    Kind.JOB_STALE: job_stale,
    Kind.JOB_FAILING: job_failing,
    Kind.HEALTH_FAILING: health_failing,
}
