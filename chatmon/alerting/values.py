"""What each alert rule kind measures, now: a number compared with the rule's threshold (None: no data).

Rates and latency come from the per-minute request rollups, those still in Redis included (so they lag by a
flush, not by a compaction);
spend, violations, bans and denials from their recent raw rows through the ledger's and violations' selectors
(each one count or sum on the time index, cheap for a window of minutes); jobs and health from
chatmon.dashboards.status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from auditlog import selectors as audit_selectors
from chatmon.alerting.models import AlertRule
from chatmon.dashboards import status
from chatmon.dashboards.histogram import percentile
from chatmon.monitoring import recent
from chatmon.monitoring.aggregator import BUCKET_FIELDS
from ledger import selectors as ledger_selectors
from violations import selectors as violation_selectors
from violations.types import ViolationType

Kind = AlertRule.Kind


@dataclass(frozen=True)
class Reading:
    """A rule's value and, for kinds that watch one thing among many, which one it is of ("model gpt-4o",
    "user alice"): the incident's summary names it."""

    value: float | None
    about: str = ""


def reading(rule: AlertRule) -> Reading:
    since = timezone.now() - timedelta(minutes=rule.window_minutes)
    value = MEASURES[rule.kind](rule, since)
    return value if isinstance(value, Reading) else Reading(value)


def measure(rule: AlertRule) -> float | None:
    return reading(rule).value


def _requests(since) -> dict:
    return recent.request_sums(since, ("count", "errors", *BUCKET_FIELDS))


def error_rate(rule, since) -> float | None:
    sums = _requests(since)
    return round(100 * (sums["errors"] or 0) / sums["count"], 3) if sums["count"] else None


def p95_latency(rule, since) -> float | None:
    return percentile(_requests(since), 0.95)


def spend_per_hour(rule, since) -> float:
    return round(ledger_selectors.credits_spent(since=since) * 60 / rule.window_minutes, 2)


def violations(rule, since) -> float:
    # Balance denials are violations too (score 0, one per refused check): the denial rule counts them apart.
    return violation_selectors.violation_count(since=since, exclude_type=ViolationType.TOKEN_BALANCE)


def denials(rule, since) -> float:
    return violation_selectors.violation_count(since=since, type=ViolationType.TOKEN_BALANCE)


def bans(rule, since) -> float:
    return violation_selectors.ban_count(since=since)


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


def audit_unsealed(rule, since) -> float:
    """Seconds the oldest unsealed audit event has waited: the window in which the hash chain does not protect
    it yet. The seal job runs every 5 s, so a value near AUDITLOG_SEAL_WINDOW_SECONDS means sealing stopped."""
    return round(audit_selectors.unsealed_backlog().oldest_age_seconds(), 1)


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
    Kind.AUDIT_UNSEALED: audit_unsealed,
}
