"""Operator actions on alerting (silence, end a silence, resend a notice), each audited with its change.

Every change and its audit event are written in one `transaction.atomic()` block, so they commit or roll back
together (STYLE 9). The admin actions call these with `request.user` as the actor.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from auditlog.actions import register_action
from auditlog.services import record
from chatmon.alerting import notify
from chatmon.alerting.models import AlertRule, Incident

RULE_SILENCED = register_action("alerting.rule_silenced", "Alert rule silenced")
RULE_UNSILENCED = register_action("alerting.rule_unsilenced", "Alert rule silence ended")
NOTICE_RESENT = register_action("alerting.notice_resent", "Incident notice sent again")


def silence(*, rules: Iterable[AlertRule], until: datetime, actor: Any) -> int:
    """Silence each rule until `until` (incidents still recorded, no notices); one event per rule."""
    return _set_silence(rules, until, actor, RULE_SILENCED)


def unsilence(*, rules: Iterable[AlertRule], actor: Any) -> int:
    """End the silence of each rule; one event per rule."""
    return _set_silence(rules, None, actor, RULE_UNSILENCED)


def _set_silence(rules: Iterable[AlertRule], until: datetime | None, actor: Any, action: str) -> int:
    count = 0
    with transaction.atomic():
        for rule in rules:
            previous = rule.silenced_until
            AlertRule.objects.filter(pk=rule.pk).update(silenced_until=until)
            rule.silenced_until = until
            metadata = {"silenced_until": [_iso(previous), _iso(until)]}
            record(action=action, actor=actor, target=rule, metadata=metadata)
            count += 1
    return count


def resend_notice(*, incidents: Iterable[Incident], actor: Any) -> dict[int, int]:
    """Send each incident's notice again (resolved when it is resolved, else opened); one event per incident.

    Returns {incident pk: channels reached}. The notified mark is cleared and the event written in one
    transaction; the notices go out on commit, so no HTTP call is made while the audit chain's lock is held and
    nothing is sent when the caller rolls back. Inside a caller's transaction the counts fill in at its commit.
    """
    reached: dict[int, int] = {}
    with transaction.atomic():
        for incident in incidents:
            event = notify.RESOLVED if incident.resolved_at else notify.OPENED
            field = notify.FIELDS[event]
            Incident.objects.filter(pk=incident.pk).update(**{field: None})
            setattr(incident, field, None)
            record(action=NOTICE_RESENT, actor=actor, target=incident, metadata={"event": event})
            transaction.on_commit(lambda incident=incident, event=event: _send(incident, event, reached))
    return reached


def _send(incident: Incident, event: str, reached: dict[int, int]) -> None:
    reached[incident.pk] = notify.notify(incident, event)


def _iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None
