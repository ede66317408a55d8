"""Reads of audit events (services own the writes); other apps read the audit log through these."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from auditlog.actions import Domain
from auditlog.models import AuditEvent


def timeline_of(user) -> QuerySet[AuditEvent]:
    """Events where the user (an instance or a user id) acted or was the subject, newest first.

    Each side has its own index (actor, subject), so the OR reads two index ranges, not the table.
    """
    pk = user.pk if hasattr(user, "pk") else user
    return AuditEvent.objects.filter(Q(actor_id=pk) | Q(subject_id=pk)).order_by("-seq")


def sessions_of(user) -> QuerySet[AuditEvent]:
    """The user's timeline restricted to authentication events (sign-ins, sign-outs, failed sign-ins)."""
    return timeline_of(user).filter(domain=Domain.AUTH)
