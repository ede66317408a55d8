"""The sealer: link committed, unsealed events into the hash chain in the order they were written, in batches.

Sequence-then-seal, as transparency logs integrate entries: record() only inserts (no lock, so concurrent
writers do not queue), and one sealer at a time gives each committed event its position (`seq`), the previous
event's hash and its own hash, then moves the chain head. The sealer is elected by the chain head's row lock,
the one the retention job also takes: `SELECT ... FOR UPDATE` on PostgreSQL (SKIP LOCKED for the beat job,
which leaves the work to a sealer already running), and SQLite's IMMEDIATE transaction, which lets one writer
in at a time anyway.

The window: an event is not protected by the chain from its insert until a seal run picks it up, normally
within the beat interval (auditlog.seal every 5 s) plus the time the job waits in the queue. An event that
waits longer than AUDITLOG_SEAL_WINDOW_SECONDS is "late": verification reports it, and the audit_unsealed
alert rule and the auditlog_unsealed_oldest_age_seconds gauge show the backlog while it lasts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from auditlog import chain, conf, metrics
from auditlog.models import AuditEvent, ChainHead


@dataclass(frozen=True)
class SealReport:
    sealed: int  # events linked into the chain by this run
    batches: int
    skipped: bool = False  # another sealer held the chain head: it seals what this run would have

    def as_summary(self) -> dict:
        return {"sealed": self.sealed, "batches": self.batches, "skipped": self.skipped}


def seal(*, wait: bool = True) -> SealReport:
    """Seal every event committed before this call, batch by batch. `wait=False` (the beat job) gives up at
    once when another sealer holds the chain head; `wait=True` (verification, retention) waits for it and then
    seals what is left, so everything committed before the call is sealed when it returns."""
    sealed = batches = 0
    size = conf.seal_batch_size()
    while True:
        count = _seal_batch(size, wait=wait)
        if count is None:
            return SealReport(sealed=sealed, batches=batches, skipped=True)
        if count:
            sealed, batches = sealed + count, batches + 1
        if count < size:
            return SealReport(sealed=sealed, batches=batches)


def _lock_head(*, wait: bool) -> ChainHead | None:
    """The chain head, locked until the transaction ends; None when `wait` is False and another holds it."""
    ChainHead.objects.get_or_create(pk=1, defaults={"hash": chain.GENESIS})
    heads = ChainHead.objects.select_for_update(skip_locked=not wait).filter(pk=1)
    return heads.first()


def _seal_batch(size: int, *, wait: bool) -> int | None:
    started = time.perf_counter()
    with transaction.atomic():
        head = _lock_head(wait=wait)
        if head is None:
            return None
        # Read under the lock: READ COMMITTED gives this statement a snapshot taken after the previous sealer
        # committed, so no event is sealed twice. An event whose transaction commits after this read (a lower
        # id than some sealed here, when its transaction was long) is sealed by the next run, at a later position.
        batch = list(AuditEvent.objects.filter(seq__isnull=True).order_by("id")[:size])
        if not batch:
            return 0
        position, previous = head.seq, head.hash
        for event in batch:
            position += 1
            event.seq, event.prev_hash, event.hash_version = position, previous, chain.CURRENT_VERSION
            # Hashed as read back from the database, which is the form verification will read too.
            event.hash = previous = chain.event_hash(event)
        _write_seals(batch)
        ChainHead.objects.filter(pk=head.pk).update(seq=position, hash=previous)
    metrics.SEALED.inc(len(batch))
    metrics.SEAL_SECONDS.observe(time.perf_counter() - started)
    return len(batch)


def _write_seals(batch: list[AuditEvent]) -> None:
    # One plain UPDATE per event, sent as a batch (psycopg pipelines executemany). Sealing 5000 events took
    # 1.4 s so (PostgreSQL, loaded 2-core machine) against 8.3 s with bulk_update(), most of which went to
    # building its CASE WHEN expressions in Python.
    table, quote = AuditEvent._meta.db_table, connection.ops.quote_name
    columns = ", ".join(f"{quote(name)} = %s" for name in ("seq", "prev_hash", "hash", "hash_version"))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {quote(table)} SET {columns} WHERE {quote('id')} = %s",
            [(e.seq, e.prev_hash, e.hash, e.hash_version, e.pk) for e in batch],
        )


def oldest_late(now=None) -> AuditEvent | None:
    """The oldest event still unsealed past AUDITLOG_SEAL_WINDOW_SECONDS after it was written, if any."""
    cutoff = (now or timezone.now()) - timedelta(seconds=conf.seal_window_seconds())
    return AuditEvent.objects.filter(seq__isnull=True, created_at__lt=cutoff).order_by("created_at", "id").first()
