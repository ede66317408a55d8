"""Notices of an incident opening or resolving, sent once each to every enabled channel of its rule.

A notice is claimed by a conditional update of the incident's `*_notified_at` before anything is sent, so
two evaluations racing (two workers, a rerun) send it once. The outcome per channel goes to delivery_log.
"""

from __future__ import annotations

import logging

import requests
from django.core.mail import send_mail
from django.utils import timezone

from chatmon.alerting import conf
from chatmon.alerting.models import Incident, NotificationChannel

logger = logging.getLogger(__name__)
OPENED, RESOLVED = "opened", "resolved"


def notify(incident: Incident, event: str) -> int:
    """Send the `event` notice of `incident` unless it was sent already; returns channels reached."""
    field = "opened_notified_at" if event == OPENED else "resolved_notified_at"
    if not Incident.objects.filter(pk=incident.pk, **{f"{field}__isnull": True}).update(**{field: timezone.now()}):
        return 0
    text = message(incident, event)
    log, reached = [], 0
    for channel in incident.rule.channels.filter(enabled=True).order_by("pk"):
        error = _send(channel, incident, event, text)
        reached += error is None
        log.append({"event": event, "channel": channel.name, "at": timezone.now().isoformat(), "error": error or ""})
    if log:
        # Only the claimant of this notice writes here, so reading then writing the list loses nothing.
        current = Incident.objects.values_list("delivery_log", flat=True).get(pk=incident.pk)
        Incident.objects.filter(pk=incident.pk).update(delivery_log=[*current, *log])
    return reached


def message(incident: Incident, event: str) -> str:
    rule = incident.rule
    head = "RESOLVED" if event == RESOLVED else rule.severity.upper()
    text = f"[{head}] {rule.name}: {incident.summary}"
    if event == RESOLVED:
        text += f" (resolved after {_duration(incident)}; peak {incident.peak_value:g})"
    if conf.dashboard_url():
        text += f"\n{conf.dashboard_url().rstrip('/')}/admin/chatmon/incident/{incident.pk}/change/"
    return text


def _duration(incident: Incident) -> str:
    seconds = int(((incident.resolved_at or timezone.now()) - incident.opened_at).total_seconds())
    return f"{seconds // 60} min {seconds % 60} s"


def _send(channel: NotificationChannel, incident: Incident, event: str, text: str) -> str | None:
    try:
        if channel.kind == NotificationChannel.Kind.WEBHOOK:
            _webhook(channel.target, incident, event, text)
        else:
            recipients = [address.strip() for address in channel.target.split(",") if address.strip()]
            send_mail(subject=text.splitlines()[0][:200], message=text, from_email=None, recipient_list=recipients)
    except Exception as exc:
        logger.warning("alerting: %s notice of incident %s to %s failed: %s", event, incident.pk, channel, exc)
        return f"{type(exc).__name__}: {exc}"[:300]
    return None


def _webhook(url: str, incident: Incident, event: str, text: str) -> None:
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
                {"title": "value", "value": f"{incident.last_value:g}", "short": True},
                {"title": "threshold", "value": f"{incident.rule.threshold:g}", "short": True},
            ],
            "ts": int(incident.opened_at.timestamp()),
        }],
        "chatmon": {"incident": incident.pk, "rule": incident.rule.pk, "event": event, "kind": incident.rule.kind},
    }  # fmt: skip
    response = requests.post(url, json=body, timeout=conf.webhook_timeout())
    response.raise_for_status()
