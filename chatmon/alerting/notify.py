"""Notices of an incident opening or resolving, delivered to every enabled channel of its rule, with retries.

A notice is claimed by a conditional update of the incident's `*_notified_at` (or, for the repeated "still
firing" notice, of `reminded_at`) before its deliveries (one per channel) are created, so two evaluations
racing (two workers, a rerun) queue it once. Each delivery attempt is
claimed by a conditional update of its `attempts`; a failed one is retried with backoff by later evaluations
(`retry_due`) until it is sent or has used its attempts. A silenced rule's notices are held back instead.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import requests
from django.core.mail import send_mail
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from chatmon.alerting import conf
from chatmon.alerting.models import AlertRule, BudgetDelivery, Delivery, Incident, NotificationChannel
from ledger import money

logger = logging.getLogger(__name__)
OPENED, RESOLVED, REMINDER, ESCALATED = "opened", "resolved", "reminder", "escalated"
FIELDS = {OPENED: "opened_notified_at", RESOLVED: "resolved_notified_at"}


def notify(incident: Incident, event: str) -> int:
    """Queue and attempt the `event` notice of `incident` unless it was queued already; returns channels reached.

    While the rule is silenced nothing is claimed, only `silenced_at` noted: an incident still open when the
    silence ends is announced then (evaluation calls this again), one resolved meanwhile never is.
    """
    if incident.rule.is_silenced():
        Incident.objects.filter(pk=incident.pk).update(silenced_at=timezone.now())
        return 0
    field = FIELDS[event]
    if not Incident.objects.filter(pk=incident.pk, **{f"{field}__isnull": True}).update(**{field: timezone.now()}):
        return 0
    return _queue(incident, event)


def remind(incident: Incident) -> int:
    """Send the notice of an incident still open again once its rule's `repeat_minutes` have passed since the
    last one (Alertmanager's repeat_interval); returns channels reached. Not while the rule is silenced."""
    rule = incident.rule
    last = incident.reminded_at or incident.opened_notified_at
    now = timezone.now()
    if not rule.repeat_minutes or last is None or rule.is_silenced():
        return 0
    if now - last < timedelta(minutes=rule.repeat_minutes):
        return 0
    if not Incident.objects.filter(pk=incident.pk, reminded_at=incident.reminded_at).update(reminded_at=now):
        return 0  # another evaluation sent this reminder
    return _queue(incident, REMINDER)


def escalate(incident: Incident) -> int:
    """Announce an incident still firing `escalate_after_minutes` after it opened to the rule's escalation
    channels, once (claimed by a conditional update of `escalated_at`); returns channels reached."""
    rule = incident.rule
    now = timezone.now()
    if not rule.escalate_after_minutes or incident.escalated_at is not None or rule.is_silenced():
        return 0
    if now - incident.opened_at < timedelta(minutes=rule.escalate_after_minutes):
        return 0
    if not Incident.objects.filter(pk=incident.pk, escalated_at__isnull=True).update(escalated_at=now):
        return 0  # another evaluation escalated it
    return _queue(incident, ESCALATED)


def _queue(incident: Incident, event: str) -> int:
    """One delivery of the `event` notice per channel it goes to, each attempted now: the rule's channels; the
    escalation channels for the escalation itself and, once escalated, for the resolved notice."""
    rule = incident.rule
    if event == ESCALATED:
        to = Q(escalated_rules=rule)
    elif event == RESOLVED and incident.escalated_at is not None:
        to = Q(rules=rule) | Q(escalated_rules=rule)
    else:
        to = Q(rules=rule)
    channels = NotificationChannel.objects.filter(to, enabled=True).distinct().order_by("pk")
    deliveries = Delivery.objects.bulk_create(
        [Delivery(incident=incident, channel=channel, event=event) for channel in channels]
    )
    return sum(attempt(delivery) for delivery in deliveries)


def retry_due() -> dict:
    """Attempt every pending delivery whose retry is due, of incidents and of budget notices (called by each
    evaluation)."""
    now = timezone.now()
    outcome = {"retried": 0, "delivered": 0}
    due = Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
    for delivery in due.select_related("incident__rule", "channel").order_by("pk"):
        outcome["retried"] += 1
        outcome["delivered"] += attempt(delivery)
    budget_due = BudgetDelivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
    for delivery in budget_due.select_related("notice", "channel").order_by("pk"):
        outcome["retried"] += 1
        outcome["delivered"] += attempt_budget(delivery)
    return outcome


def attempt(delivery: Delivery) -> bool:
    """One attempt of `delivery`, if this caller claims it; True when the channel took the notice."""
    incident = delivery.incident
    if incident.rule.is_silenced():  # silenced after the notice was queued: its retries are dropped
        Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.PENDING).update(status=Delivery.Status.SILENCED)
        return False
    text = message(incident, delivery.event)
    return attempt_row(delivery, lambda: _send(delivery.channel, incident, delivery.event, text))


def attempt_budget(delivery: BudgetDelivery) -> bool:
    """One attempt of a budget notice's delivery, if this caller claims it; True when the channel took it."""

    def send() -> str | None:
        error = deliver(delivery.channel, delivery.text, lambda: delivery.body)
        if error:
            logger.warning("alerting: budget notice %s to %s failed: %s", delivery.notice, delivery.channel, error)
        return error

    return attempt_row(delivery, send)


def attempt_row(delivery: Delivery | BudgetDelivery, send) -> bool:
    """Claim the next attempt of `delivery` (either kind), run `send() -> error or None`, and record the outcome:
    sent, retried after a doubling backoff, or failed once `ALERTING_DELIVERY_ATTEMPTS` are used."""
    rows = type(delivery).objects
    number = delivery.attempts + 1
    retry_at = timezone.now() + timedelta(minutes=conf.retry_backoff_minutes() * 2 ** (number - 1))
    # The claim also books the retry, so a worker that dies mid-send leaves the delivery to a later evaluation.
    claimed = Q(pk=delivery.pk, status=Delivery.Status.PENDING, attempts=delivery.attempts)
    if not rows.filter(claimed).update(attempts=number, next_attempt_at=retry_at):
        return False
    error = send()
    if error is None:
        rows.filter(pk=delivery.pk).update(
            status=Delivery.Status.SENT, sent_at=timezone.now(), next_attempt_at=None, last_error=""
        )
        return True
    gave_up = number >= conf.delivery_attempts()
    rows.filter(pk=delivery.pk).update(
        status=Delivery.Status.FAILED if gave_up else Delivery.Status.PENDING,
        next_attempt_at=None if gave_up else retry_at,
        last_error=error,
    )
    return False


def message(incident: Incident, event: str) -> str:
    rule = incident.rule
    severity = rule.severity.upper()
    head = {RESOLVED: "RESOLVED", REMINDER: f"{severity}, STILL FIRING", ESCALATED: f"{severity}, ESCALATED"}.get(
        event, severity
    )
    text = f"[{head}] {rule.name}: {incident.summary}"
    if event == RESOLVED:
        text += f" (resolved after {_duration(incident)}; peak {shown(rule, incident.peak_value)})"
    elif event in (REMINDER, ESCALATED):
        now, peak = shown(rule, incident.last_value), shown(rule, incident.peak_value)
        text += f" (open for {_duration(incident)}; now {now}, peak {peak})"
    if conf.dashboard_url():
        path = reverse(f"admin:{Incident._meta.app_label}_incident_change", args=[incident.pk])
        text += f"\n{conf.dashboard_url().rstrip('/')}{path}"
    return text


def shown(rule: AlertRule, value: float | None) -> str:
    """A rule's value as the operator reads it: a spend in credits and money (ledger/money.py, as on every
    page), any other figure as a plain number."""
    if value is None:
        return "-"
    return amount(rule, value) + (" per hour" if rule.kind == AlertRule.Kind.SPEND_PER_HOUR else "")


def amount(rule: AlertRule, value: float) -> str:
    """A value or threshold in the rule's unit: credits and money for spends, else a plain number."""
    return money.format_amount(value) if rule.kind in MONEY_KINDS else f"{value:g}"


MONEY_KINDS = {AlertRule.Kind.SPEND_PER_HOUR, AlertRule.Kind.USER_SPEND}


def _duration(incident: Incident) -> str:
    seconds = int(((incident.resolved_at or timezone.now()) - incident.opened_at).total_seconds())
    return f"{seconds // 60} min {seconds % 60} s"


def _send(channel: NotificationChannel, incident: Incident, event: str, text: str) -> str | None:
    error = deliver(channel, text, lambda: _webhook_body(incident, event, text))
    if error:
        logger.warning("alerting: %s notice of incident %s to %s failed: %s", event, incident.pk, channel, error)
    return error


def deliver(channel: NotificationChannel, text: str, webhook_body) -> str | None:
    """Send `text` to `channel` once: an e-mail, or `webhook_body()` posted as JSON; the error, or None when
    the channel took it. Incident notices and budget notices (budget_notices.py) both go out through here,
    each attempt claimed by attempt_row."""
    try:
        if channel.kind == NotificationChannel.Kind.WEBHOOK:
            response = requests.post(channel.target, json=webhook_body(), timeout=conf.webhook_timeout())
            response.raise_for_status()
        else:
            recipients = [address.strip() for address in channel.target.split(",") if address.strip()]
            send_mail(subject=text.splitlines()[0][:200], message=text, from_email=None, recipient_list=recipients)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"[:300]
    return None


def _webhook_body(incident: Incident, event: str, text: str) -> dict:
    """Slack's incoming-webhook JSON (`text`, plus an attachment whose colour tells the state); Mattermost,
    Rocket.Chat and Discord's /slack endpoints accept the same body."""
    colour = "good" if event == RESOLVED else ("danger" if incident.rule.severity == "critical" else "warning")
    body = {
        "text": text,
        "attachments": [{
            "color": colour,
            "fields": [
                {"title": "rule", "value": incident.rule.name, "short": True},
                {"title": "state", "value": event, "short": True},
                {"title": "value", "value": shown(incident.rule, incident.last_value), "short": True},
                {"title": "threshold", "value": shown(incident.rule, incident.rule.threshold), "short": True},
            ],
            "ts": int(incident.opened_at.timestamp()),
        }],
        "chatmon": {"incident": incident.pk, "rule": incident.rule.pk, "event": event, "kind": incident.rule.kind},
    }  # fmt: skip
    return body
