"""The alert evaluation job: retry due deliveries, measure every enabled rule, open or resolve its incident.

A rule with `for_minutes` is pending from its first breach and opens an incident only at the first evaluation
that finds it still breaching that long after (Prometheus' `for:`). Symmetrically, with `keep_firing_minutes`
an open incident resolves only at the first evaluation that finds it quiet that long after its quiet spell
began (Prometheus' `keep_firing_for:`); a breach in between continues the same incident. While it is open,
`repeat_minutes` sends its notice again (Alertmanager's `repeat_interval`), and once it has fired for
`escalate_after_minutes` it is announced to the rule's escalation channels too. One open incident per rule is
guaranteed by a conditional unique constraint, and resolving is a conditional update, so two evaluations
racing open, resolve and notify each incident once.
"""

from __future__ import annotations

import logging
import math
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from chatmon.alerting import notify, subjects, values
from chatmon.alerting.models import AlertRule, Incident

logger = logging.getLogger(__name__)


def evaluate_all() -> dict:
    summary = {"rules": 0, "pending": 0, "opened": 0, "firing": 0, "keeping": 0, "resolved": 0, "errors": 0,
               **notify.retry_due()}  # fmt: skip
    for rule in AlertRule.objects.filter(enabled=True).order_by("pk"):
        summary["rules"] += 1
        try:
            outcome = evaluate(rule)
        except Exception:  # one broken rule (its data source down) must not silence the others
            logger.exception("alerting: rule %s could not be evaluated", rule)
            summary["errors"] += 1
            continue
        if outcome:
            summary[outcome] += 1
    return summary


def evaluate(rule: AlertRule) -> str | None:
    """'pending' (breaching, not for long enough), 'opened', 'firing' (still open), 'keeping' (quiet, kept open
    by keep_firing_minutes), 'resolved' or None (quiet)."""
    measured = values.reading(rule)
    value = measured.value
    open_incident = rule.incidents.filter(resolved_at__isnull=True).first()
    firing = value is not None and value > rule.threshold
    if not firing:
        AlertRule.objects.filter(pk=rule.pk, pending_since__isnull=False).update(pending_since=None)
    if firing and open_incident is None:
        if not _lasted(AlertRule, rule.pk, "pending_since", rule.for_minutes):
            return "pending"
        return "opened" if _open(rule, measured) else "firing"
    if firing:
        stored = _storable(value)
        Incident.objects.filter(pk=open_incident.pk).update(
            last_value=stored, peak_value=Greatest(F("peak_value"), stored), quiet_since=None
        )
        if open_incident.opened_notified_at is None:  # opened while the rule was silenced: announce it now
            notify.notify(open_incident, notify.OPENED)
        else:
            notify.remind(open_incident)
            notify.escalate(open_incident)
        return "firing"
    if open_incident is None:
        return None
    if not _lasted(Incident, open_incident.pk, "quiet_since", rule.keep_firing_minutes):
        return "keeping"
    return "resolved" if _resolve(open_incident, value) else None


def _lasted(model, pk: int, since_field: str, minutes: int) -> bool:
    """Whether the state whose start `since_field` records (now, if unset) has lasted `minutes`.

    The start is set by a conditional update, so racing evaluations agree on when the state began.
    """
    if not minutes:
        return True
    now = timezone.now()
    model.objects.filter(pk=pk, **{f"{since_field}__isnull": True}).update(**{since_field: now})
    since = model.objects.values_list(since_field, flat=True).get(pk=pk)
    return now - since >= timedelta(minutes=minutes)


def _open(rule: AlertRule, measured: values.Reading) -> bool:
    stored = _storable(measured.value)
    described = rule.get_kind_display().replace("X", notify.amount(rule, rule.threshold))
    described = described.replace("N", str(rule.window_minutes))
    summary = f"{described}: now {_shown(rule, measured.value)}" + (f" ({measured.about})" if measured.about else "")
    try:
        with transaction.atomic():
            incident = Incident.objects.create(
                rule=rule, value=stored, peak_value=stored, last_value=stored, summary=summary
            )
            subjects.record_named(rule, incident, measured.subjects)
    except IntegrityError:  # another evaluation opened it first; it sends the notice
        return False
    notify.notify(incident, notify.OPENED)
    subjects.after_open(rule, incident, measured.subjects)
    return True


def _resolve(incident: Incident, value: float | None) -> bool:
    now = timezone.now()
    last = incident.last_value if value is None else _storable(value)
    if not Incident.objects.filter(pk=incident.pk, resolved_at__isnull=True).update(resolved_at=now, last_value=last):
        return False
    incident.refresh_from_db()
    if incident.opened_notified_at:  # nobody was told it opened (silenced throughout): no resolved notice either
        notify.notify(incident, notify.RESOLVED)
    return True


def _storable(value: float) -> float:
    # A job that never succeeded is infinitely stale; databases do not all store infinity in a float column.
    return value if math.isfinite(value) else 1e18


def _shown(rule: AlertRule, value: float) -> str:
    return "never" if not math.isfinite(value) else notify.shown(rule, value)
