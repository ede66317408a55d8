"""Retention: delete events past AUDITLOG_RETENTION_DAYS (or their domain's override) in batches, and leave a
signed PrunedRange for every stretch of the chain that is gone, so verify_chain() still passes.

Adjacent ranges are merged, so once every domain has pruned past a point the ranges before it are one row.
An event whose own hash does not match is never pruned: the evidence stays for verify_chain() to report.
Events are sealed first: only sealed events are pruned (a range records positions and hashes).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from auditlog import chain, conf, metrics, sealing
from auditlog.models import AuditEvent, ChainHead, PrunedRange


def expired() -> Q | None:
    """Events past their retention; None when everything is kept forever."""
    now = timezone.now()
    overrides = conf.retention_days_by_domain()
    conditions = [
        Q(domain=domain, created_at__lt=now - timedelta(days=days)) for domain, days in overrides.items() if days > 0
    ]
    if conf.retention_days() > 0:
        conditions.append(
            ~Q(domain__in=list(overrides)) & Q(created_at__lt=now - timedelta(days=conf.retention_days()))
        )
    if not conditions:
        return None
    query = conditions[0]
    for condition in conditions[1:]:
        query |= condition
    return query


def _merged(pieces: list[PrunedRange]) -> list[PrunedRange]:
    """Join ranges that follow each other and link up; a piece that does not link stays apart (evidence)."""
    merged: list[PrunedRange] = []
    for piece in sorted(pieces, key=lambda p: p.first_seq):
        last = merged[-1] if merged else None
        if last and last.last_seq + 1 == piece.first_seq and last.last_hash == piece.prev_hash:
            last.last_seq, last.last_hash = piece.last_seq, piece.last_hash
        else:
            merged.append(PrunedRange(first_seq=piece.first_seq, last_seq=piece.last_seq,
                                      prev_hash=piece.prev_hash, last_hash=piece.last_hash))  # fmt: skip
    return merged


def _prune_batch(query: Q, size: int, after: int) -> tuple[int, int]:
    """Prune up to `size` expired events past position `after`; (events pruned, last position looked at)."""
    with transaction.atomic():
        # The chain lock: no seal or other prune interleaves with this batch.
        ChainHead.objects.select_for_update().filter(pk=1).first()
        seen = list(AuditEvent.objects.filter(query, seq__gt=after).order_by("seq")[:size])
        batch = [event for event in seen if chain.hash_matches(event)]
        if not batch:
            return 0, seen[-1].seq if seen else -1
        low, high = batch[0].seq, batch[-1].seq
        # Only ranges that are themselves genuine may be merged into the new ones.
        neighbours = [r for r in PrunedRange.objects.filter(last_seq__gte=low - 1, first_seq__lte=high + 1)
                      if chain.range_is_signed(r)]  # fmt: skip
        pieces = neighbours + [
            PrunedRange(first_seq=e.seq, last_seq=e.seq, prev_hash=e.prev_hash, last_hash=e.hash) for e in batch
        ]
        AuditEvent.objects.filter(pk__in=[e.pk for e in batch]).delete()
        PrunedRange.objects.filter(pk__in=[r.pk for r in neighbours]).delete()
        ranges = _merged(pieces)
        for pruned in ranges:
            pruned.signature = chain.range_signature(pruned)
        PrunedRange.objects.bulk_create(ranges)
    metrics.PRUNED.inc(len(batch))
    return len(batch), seen[-1].seq


def prune() -> dict:
    """Delete expired events batch by batch; a summary for the job's JobRun."""
    query = expired()
    if query is None:
        return {"pruned": 0, "batches": 0}
    sealing.seal()  # an expired event the sealer never reached gets its position and hash before it goes
    pruned = batches = after = 0
    while True:
        count, after = _prune_batch(query, conf.prune_batch_size(), after)
        if after < 0:
            break
        pruned += count
        batches += 1
    return {"pruned": pruned, "batches": batches, "ranges": PrunedRange.objects.count()}
