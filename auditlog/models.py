"""Audit events, the head of their hash chain, and the signed records of pruned stretches of the chain.

An event is written unsealed (no position, no hashes) in the caller's transaction; the sealer
(auditlog.sealing) gives it its position and hashes shortly after it commits.

The user columns are foreign keys without a database constraint and with DO_NOTHING: deleting a user must
neither delete nor rewrite the audit rows that name them (a rewrite would break their hashes).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models

from auditlog.actions import Outcome


def _user_column(related_name: str) -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name=related_name,
    )


class AuditEvent(models.Model):
    created_at = models.DateTimeField(db_index=True)
    action = models.CharField(max_length=64, db_index=True)
    domain = models.CharField(max_length=32, db_index=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.SUCCESS)
    # Who acted: a user, or only a label for system jobs and API keys ("system", "job:auditlog.prune", ...).
    actor = _user_column("+")
    actor_label = models.CharField(max_length=254, blank=True)
    # Whose account or data the event is about (the timeline of a user lists events as actor or subject).
    subject = _user_column("+")
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=200, blank=True)
    # Text, not an inet column: the hash covers the value exactly as written, and inet rewrites some forms.
    ip = models.CharField(max_length=45, blank=True, db_index=True)
    user_agent = models.CharField(max_length=300, blank=True)
    request_id = models.CharField(max_length=128, blank=True, db_index=True)
    metadata = models.JSONField(default=dict, blank=True)
    # The chain: position, the previous event's hash, and this event's hash over its canonical form. All three
    # are empty (seq None) until the sealer links the event in; `id` is the order events were written in.
    seq = models.BigIntegerField(unique=True, null=True, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)
    # Which canonical form `hash` was computed over (auditlog.chain.FORMS); rows from before version 2 keep 1.
    hash_version = models.PositiveSmallIntegerField(default=2)

    class Meta:
        # Newest written first, sealed or not (a descending seq would put unsealed events last on SQLite).
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["actor", "-created_at"], name="auditlog_actor_created"),
            models.Index(fields=["subject", "-created_at"], name="auditlog_subject_created"),
            models.Index(fields=["domain", "created_at"], name="auditlog_domain_created"),
        ]

    def __str__(self) -> str:
        position = f"#{self.seq}" if self.seq is not None else "unsealed"
        return f"{position} {self.action} ({self.outcome}) by {self.actor_label or '-'}"

    @property
    def sealed(self) -> bool:
        return self.seq is not None


class ChainHead(models.Model):
    """One row (pk 1): the last sealed event's position and hash. The sealer and the retention job lock it,
    so the chain grows as one line; record() never touches it."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"head #{self.seq}"


class PrunedRange(models.Model):
    """A signed statement that events first_seq..last_seq existed, linked from prev_hash to last_hash, and
    were pruned. Verification steps over it as if over the events, so pruning keeps the chain checkable."""

    first_seq = models.BigIntegerField(unique=True)
    last_seq = models.BigIntegerField()
    prev_hash = models.CharField(max_length=64)
    last_hash = models.CharField(max_length=64)
    signature = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["first_seq"]

    def __str__(self) -> str:
        return f"pruned #{self.first_seq}..#{self.last_seq}"
