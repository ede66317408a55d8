"""What an opened incident does with the subjects its reading names (values.Reading.subjects).

Unpriced-model rules record each model named (AlertedSubject) in the transaction that opens the incident, so a
model is announced once per rule: the next evaluations no longer count it, and the incident resolves. User
spend rules may log a `spend_anomaly` violation for the user named (ALERTING_SPEND_ANOMALY_VIOLATIONS), so the
violations app's scores and automatic bans apply as to any other violation.
"""

from __future__ import annotations

import logging

from chatmon.alerting import conf
from chatmon.alerting.models import AlertedSubject, AlertRule, Incident
from violations import services as violation_services
from violations.types import ViolationType

logger = logging.getLogger(__name__)

ONCE_PER_SUBJECT = {AlertRule.Kind.UNPRICED_MODEL}
USER_SPEND_KINDS = {AlertRule.Kind.USER_SPEND, AlertRule.Kind.USER_SPEND_SURGE}


def record_named(rule: AlertRule, incident: Incident, subjects: tuple) -> None:
    """Inside the opening transaction: the subjects this incident announces are never announced again."""
    if rule.kind in ONCE_PER_SUBJECT and subjects:
        marks = [AlertedSubject(rule=rule, subject=str(subject)[:255], incident=incident) for subject in subjects]
        AlertedSubject.objects.bulk_create(marks, ignore_conflicts=True)


def after_open(rule: AlertRule, incident: Incident, subjects: tuple) -> None:
    """After the incident committed: a user spend incident's violation, when enabled."""
    if rule.kind not in USER_SPEND_KINDS or not subjects or not conf.spend_anomaly_violations():
        return
    try:
        violation_services.log_violation(
            type=ViolationType.SPEND_ANOMALY,
            user=subjects[0],
            details={"rule": rule.name, "kind": rule.kind, "incident": incident.pk, "value": incident.value,
                     "summary": incident.summary},
        )  # fmt: skip
    except Exception:  # the incident and its notice stand even if the violation cannot be written
        logger.exception("alerting: spend anomaly violation for incident %s not logged", incident.pk)
