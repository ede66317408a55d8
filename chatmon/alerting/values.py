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
from chatmon.dashboards import conf as dashboards_conf
from chatmon.dashboards import modelfigures, status
from chatmon.dashboards.histogram import percentile
from chatmon.dashboards.selectors import spending
from chatmon.monitoring import recent
from chatmon.monitoring.aggregator import BUCKET_FIELDS
from chatmon.policies import selectors as policy_selectors
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
    # What `about` names, as keys (model names, user ids): recorded when the incident opens (subjects.py).
    subjects: tuple = ()


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


def unpriced_models(rule, since) -> Reading:
    """Models charged the default rate in the window that this rule has not named yet (AlertedSubject): each
    unpriced model opens an incident once, however long it stays unpriced."""
    models = {row["model"] for row in ledger_selectors.unpriced_spends(since=since)}
    if rule.subject:
        models &= {rule.subject}
    models -= set(rule.alerted_subjects.filter(subject__in=models).values_list("subject", flat=True))
    named = sorted(models)
    return Reading(len(named), f"models {', '.join(named)}"[:200] if named else "", tuple(named))


def _watched_user(rule):
    """The user a rule's subject names; None for every user; False when it names nobody."""
    return (spending.find_user(rule.subject) or False) if rule.subject else None


def user_spend(rule, since) -> Reading | None:
    """The biggest spender's credits in the window (or the subject user's)."""
    user = _watched_user(rule)
    if user is False:
        return None
    rates = spending.user_rates(since=since, now=timezone.now(), user=user)
    if not rates:
        return Reading(0.0)
    top = rates[0]
    return Reading(round(top.spent, 2), f"user {spending.username(top.user_id)}", (top.user_id,))


def user_spend_surge(rule, since) -> Reading | None:
    """The highest ratio of a user's spend rate in the window to their usual rate (spending.py); None when
    nobody with a baseline spent enough to be judged (DASHBOARDS_SURGE_MIN_CREDITS)."""
    user = _watched_user(rule)
    if user is False:
        return None
    rates = spending.user_rates(since=since, now=timezone.now(), user=user)
    judged = spending.surges(rates, min_credits=dashboards_conf.surge_min_credits())
    if not judged:
        return None
    top = judged[0]
    return Reading(round(top.ratio, 2), f"user {spending.username(top.user_id)}", (top.user_id,))


def budget_used(rule, since) -> Reading | None:
    """The highest share (%) of its limit a budget has spent this period (or the subject budget's); the
    window does not apply: a budget's period is its own."""
    budgets = policy_selectors.all_budgets()
    if rule.subject:
        budgets = budgets.filter(name=rule.subject)
    now = timezone.now()
    usages = [policy_selectors.budget_usage(budget, now) for budget in budgets]
    if not usages:
        return None
    top = max(usages, key=lambda usage: usage.percent)
    return Reading(top.percent, f"budget {top.budget.name}", (top.budget.name,))


def _worst_model(rule, since, figure: str) -> Reading | None:
    """The worst model's figure (or the subject model's), from the generation rollups (Redis's newest minutes
    included); None when no model had a generation in the window."""
    found = modelfigures.worst_model(since, figure, rule.subject)
    if found is None:
        return None
    name, value = found
    return Reading(value, f"model {name}", (name,))


def model_error_rate(rule, since) -> Reading | None:
    # Of the generations that reached the provider: rate limits, timeouts, errors and content filters.
    return _worst_model(rule, since, "error_rate")


def model_ttft_p95(rule, since) -> Reading | None:
    return _worst_model(rule, since, "ttft_p95")


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
    Kind.MODEL_ERROR_RATE: model_error_rate,
    Kind.MODEL_TTFT_P95: model_ttft_p95,
    Kind.UNPRICED_MODEL: unpriced_models,
    Kind.USER_SPEND: user_spend,
    Kind.USER_SPEND_SURGE: user_spend_surge,
    Kind.BUDGET_USED: budget_used,
}
