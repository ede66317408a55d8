"""The audit log's write API (`record`, and `record_many` for a batch in one insert) and its check (`verify_chain`).

record() inserts the event unsealed, inside the caller's transaction when there is one, so an event commits or
rolls back with the change it describes. It takes no lock: writers no longer queue behind one another on the
chain head (0.14 of a plain insert with four writers on PostgreSQL when they did; see docs/auditlog.md). The
sealer (auditlog.sealing, the auditlog.seal beat job every 5 s) links and hashes committed events in order
shortly afterwards; until then an event is not protected by the chain (AUDITLOG_SEAL_WINDOW_SECONDS bounds
that wait, and verification and the audit_unsealed alert report an event that waited longer).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone

import fastinsert
from auditlog import actions, chain, conf, context, fields, metrics, sealing
from auditlog.actions import Outcome
from auditlog.models import AuditEvent
from auditlog.verify import ChainReport, walk

__all__ = ["ChainReport", "record", "record_many", "verify_chain"]

logger = logging.getLogger(__name__)


def record(
    *,
    action: str,
    actor: Any = None,
    target: models.Model | None = None,
    request: Any = None,
    ip: str | None = None,
    metadata: Any = None,
    outcome: str = Outcome.SUCCESS,
    subject: Any = None,
) -> AuditEvent:
    """Write one event, unsealed: auditlog.sealing links it into the chain shortly after it commits.

    `actor` is a user or a label ("job:...", "api-key:..."); without one, the request's user (or
    `context.acting_as`) acts. `subject` is the user the event is about (a user or a user id); without one:
    the target when it is a user, else the actor. A write that fails is logged and counted and the unsaved
    event returned (pk None), unless AUDITLOG_STRICT makes it raise."""
    event = _build(
        action=action,
        actor=actor,
        target=target,
        request=request,
        ip=ip,
        metadata=metadata,
        outcome=outcome,
        subject=subject,
    )
    _write([event])
    return event


def record_many(entries: Iterable[Mapping[str, Any]]) -> list[AuditEvent]:
    """record() for many events in one INSERT: each entry holds record()'s keyword arguments (`action` and
    any of the others). A job auditing thousands of changes pays one statement per batch instead of one
    (and a savepoint) per event; the sealer links the events in the order given, each exactly like an event
    record() wrote. The events are written together or not at all: a failed write is logged and counted per
    event and the unsaved events returned (pk None), unless AUDITLOG_STRICT makes it raise. An unknown action
    raises ValueError before anything is written."""
    events = [_build(**entry) for entry in entries]
    if events:
        _write(events)
    return events


def verify_chain(*, seal: bool = True) -> ChainReport:
    """Walk the whole chain (events and signed pruned ranges) and name the first event that does not fit.

    By default the events committed so far are sealed first, so every one of them is checked; an event that
    had waited unsealed past AUDITLOG_SEAL_WINDOW_SECONDS is reported even so (it was unprotected that long).
    `seal=False` only reads (a replica): unsealed events are counted in the report, and late ones reported.
    """
    late = sealing.oldest_late()
    if seal:
        sealing.seal()
    return walk(late=late)


def _build(
    *,
    action: str,
    actor: Any = None,
    target: models.Model | None = None,
    request: Any = None,
    ip: str | None = None,
    metadata: Any = None,
    outcome: str = Outcome.SUCCESS,
    subject: Any = None,
) -> AuditEvent:
    if not actions.is_registered(action):
        raise ValueError(f"unknown audit action {action!r}: register it with auditlog.register_action()")
    request = request if request is not None else context.current_request()
    if actor is None:
        actor = context.current_actor() or (getattr(request, "user", None) if request is not None else None)
    columns = {**fields.actor_fields(actor), **fields.request_fields(request), **fields.target_fields(target)}
    if ip is not None:
        columns["ip"] = fields.normalize_ip(ip)
    return AuditEvent(
        action=action,
        domain=actions.domain_of(action),
        outcome=Outcome(outcome),
        subject_id=_subject_id(subject, target, columns["actor_id"]),
        metadata=fields.clean_metadata(metadata),
        **columns,
    )


def _subject_id(subject: Any, target: models.Model | None, actor_id: Any) -> Any:
    from django.contrib.auth import get_user_model

    if subject is not None:
        return getattr(subject, "pk", subject)
    if isinstance(target, get_user_model()):
        return target.pk
    if isinstance(target, fields.Target) and target.content_type.model_class() is get_user_model():
        return target.id
    return actor_id


def _write(events: list[AuditEvent]) -> None:
    """Insert the events; on a database error, log and count it and leave the events unsaved (or raise when
    strict)."""
    started = time.perf_counter()
    # Position and hashes come from the sealer; the version is the form it will hash the events with.
    now = timezone.now()
    for event in events:
        event.created_at, event.hash_version = now, chain.CURRENT_VERSION
    try:
        if connection.in_atomic_block or len(events) > 1:
            # A savepoint keeps the caller's transaction usable when the write fails; without a caller's
            # transaction, this one holds a large batch's statements together.
            with transaction.atomic():
                _insert(events)
        else:
            _insert(events)  # autocommit: one statement, nothing of the caller's to keep usable
    except DatabaseError:
        for event in events:
            event.pk = None  # rolled back with the savepoint, whatever the insert had assigned
        metrics.WRITE_FAILURES.inc(len(events))
        logger.error("auditlog: could not write %s", _described(events), exc_info=True)
        if conf.strict():
            raise
        return
    metrics.RECORD_SECONDS.observe(time.perf_counter() - started)
    for (domain, outcome), count in Counter((event.domain, event.outcome) for event in events).items():
        metrics.EVENTS.labels(domain=domain, outcome=outcome).inc(count)


def _insert(events: list[AuditEvent]) -> None:
    # One event through the model's save, as record() has always written it; many in one statement.
    if len(events) == 1:
        events[0].save(force_insert=True)
    else:
        fastinsert.insert_many(AuditEvent, events)


def _described(events: list[AuditEvent]) -> str:
    if len(events) == 1:
        return f"{events[0].action} event"
    return f"{len(events)} events ({', '.join(sorted({event.action for event in events}))})"
