"""Chain verification: walk events and signed pruned ranges in chain order, and stop at the first misfit.

A changed row fails its own hash; a deleted row leaves a gap no signed range covers (the event after the
gap is named); an inserted row breaks the link or the numbering; a deleted tail no longer reaches the head.
Unsealed events (written, not yet linked in by auditlog.sealing) are counted, not checked: nothing protects
them yet. One that waited past AUDITLOG_SEAL_WINDOW_SECONDS is a problem of its own (the sealer is behind).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace
from datetime import datetime

from django.db.models import Count, Min
from django.utils import timezone

from auditlog import chain, conf, sealing
from auditlog.models import AuditEvent, ChainHead, PrunedRange


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    problem: str = ""
    unsealed: int = 0  # events not sealed yet when the walk ended (not checked)
    oldest_unsealed_at: datetime | None = None


@dataclass
class _Position:
    seq: int = 1  # the position the next item must start at
    hash: str = chain.GENESIS  # the hash it must link to
    version: int = 1  # the lowest hash version it may use: versions never go back along the chain


def _range_problem(pruned: PrunedRange, at: _Position) -> str:
    if not chain.range_is_signed(pruned):
        return f"pruned range {pruned} has a bad signature"
    if pruned.prev_hash != at.hash or pruned.last_seq < pruned.first_seq:
        return f"pruned range {pruned} does not link to the chain before it"
    return ""


def _step_over_ranges(ranges: deque[PrunedRange], at: _Position, until_seq: int | None) -> str:
    """Consume the ranges that start where the chain stands, before `until_seq` (None: to the end)."""
    while ranges and (until_seq is None or ranges[0].first_seq < until_seq):
        pruned = ranges.popleft()
        if pruned.first_seq != at.seq:
            return f"pruned range {pruned} overlaps or leaves a gap at #{at.seq}"
        problem = _range_problem(pruned, at)
        if problem:
            return problem
        at.seq, at.hash = pruned.last_seq + 1, pruned.last_hash
    return ""


def _event_problem(event: AuditEvent, at: _Position) -> str:
    if event.seq > at.seq:
        return f"events #{at.seq}..#{event.seq - 1} are missing before event {event.pk}"
    if event.seq < at.seq:
        return f"event {event.pk} (#{event.seq}) overlaps a pruned range or an earlier event"
    if event.prev_hash != at.hash:
        return f"event {event.pk} (#{event.seq}) does not link to the event before it"
    if event.hash_version not in chain.FORMS:
        return f"event {event.pk} (#{event.seq}) has an unknown hash version {event.hash_version}"
    # Writers only ever move to a newer form: an older one after a newer one is a row relabelled to weaken it.
    if event.hash_version < at.version:
        return f"event {event.pk} (#{event.seq}) uses hash version {event.hash_version} after version {at.version}"
    if chain.event_hash(event) != event.hash:
        return f"event {event.pk} (#{event.seq}) was changed after it was written"
    return ""


def _head() -> tuple[int, str]:
    head = ChainHead.objects.filter(pk=1).first()
    return (head.seq, head.hash) if head else (0, chain.GENESIS)


def _beyond_head(head_seq: int) -> AuditEvent | None:
    """An event past the head that is still past it on a second look: written around the lock, not by record()."""
    event = AuditEvent.objects.filter(seq__gt=head_seq).order_by("seq").first()
    return event if event is not None and event.seq > _head()[0] else None


def walk(*, late: AuditEvent | None = None) -> ChainReport:
    """Check the sealed chain and count the unsealed events; `late` is an event found unsealed past the window
    before the caller sealed (it is reported even though it is sealed now)."""
    report = _walk_sealed()
    late = late or sealing.oldest_late()
    if report.ok and late is not None:
        waited = (timezone.now() - late.created_at).total_seconds()
        report = replace(report, ok=False, first_bad_id=late.pk, problem=(
            f"event {late.pk} was unsealed for {waited:.0f}s, past the {conf.seal_window_seconds()}s window: "
            "the sealer is behind or stopped, and the chain did not protect the event meanwhile"))  # fmt: skip
    backlog = AuditEvent.objects.filter(seq__isnull=True).aggregate(count=Count("id"), oldest=Min("created_at"))
    return replace(report, unsealed=backlog["count"], oldest_unsealed_at=backlog["oldest"])


def _walk_sealed() -> ChainReport:
    # The head is read first and the walk stops there: events sealed meanwhile are not half-seen.
    head_seq, head_hash = _head()
    ranges = deque(PrunedRange.objects.filter(first_seq__lte=head_seq).order_by("first_seq"))
    at, checked = _Position(), 0
    for event in AuditEvent.objects.filter(seq__lte=head_seq).order_by("seq").iterator(chunk_size=2000):
        problem = _step_over_ranges(ranges, at, event.seq) or _event_problem(event, at)
        if problem:
            return ChainReport(ok=False, checked=checked, first_bad_id=event.pk, problem=problem)
        checked += 1
        at.seq, at.hash, at.version = event.seq + 1, event.hash, event.hash_version
    problem = _step_over_ranges(ranges, at, None)
    if not problem and (head_seq, head_hash) != (at.seq - 1, at.hash):
        problem = f"the chain ends at #{at.seq - 1} but its head is #{head_seq}: events at the end were removed"
    intruder = None if problem else _beyond_head(head_seq)
    if intruder is not None:
        return ChainReport(False, checked, intruder.pk, f"event {intruder.pk} (#{intruder.seq}) is past the head")
    return ChainReport(ok=not problem, checked=checked, problem=problem)
