"""Reads of audit events (services own the writes); other apps read the audit log through these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from auditlog.actions import Domain
from auditlog.models import AuditEvent


def timeline_of(user) -> QuerySet[AuditEvent]:
    """Events where the user (an instance or a user id) acted or was the subject, newest first.

    Each side has its own index (actor, subject), so the OR reads two index ranges, not the table.
    """
    pk = user.pk if hasattr(user, "pk") else user
    return AuditEvent.objects.filter(Q(actor_id=pk) | Q(subject_id=pk)).order_by("-id")


def sessions_of(user) -> QuerySet[AuditEvent]:
    """The user's timeline restricted to authentication events (sign-ins, sign-outs, failed sign-ins)."""
    return timeline_of(user).filter(domain=Domain.AUTH)


@dataclass(frozen=True)
class Backlog:
    """Events written but not sealed into the hash chain yet (auditlog.sealing)."""

    count: int
    oldest_at: datetime | None

    def oldest_age_seconds(self) -> float:
        """How long the oldest unsealed event has waited; 0 when there is none."""
        return max(0.0, (timezone.now() - self.oldest_at).total_seconds()) if self.oldest_at else 0.0


def unsealed_backlog() -> Backlog:
    """One aggregate over the unsealed events (a range of the seq index: they are the rows where it is null)."""
    found = AuditEvent.objects.filter(seq__isnull=True).aggregate(count=Count("id"), oldest=Min("created_at"))
    return Backlog(count=found["count"], oldest_at=found["oldest"])
