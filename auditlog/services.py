"""The audit log's write API (`record`) and its check (`verify_chain`).

record() appends under a lock on the chain head (PostgreSQL: a row lock; SQLite: the IMMEDIATE transaction
already serialises writers), inside the caller's transaction when there is one, so an event commits or
rolls back with the change it describes. The lock is held until that outer transaction ends: audited
transactions queue behind each other, which is the price of one linear chain.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.db import DatabaseError, models, transaction
from django.utils import timezone

from auditlog import actions, chain, conf, context, fields, metrics
from auditlog.actions import Outcome
from auditlog.models import AuditEvent, ChainHead
from auditlog.verify import ChainReport, walk

__all__ = ["ChainReport", "record", "verify_chain"]

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
    """Append one event. `actor` is a user or a label ("job:...", "api-key:..."); without one, the request's
    user (or `context.acting_as`) acts. `subject` is the user the event is about (a user or a user id);
    without one: the target when it is a user, else the actor. A write that fails is logged and counted and
    the unsaved event returned (pk None), unless AUDITLOG_STRICT makes it raise."""
    if not actions.is_registered(action):
        raise ValueError(f"unknown audit action {action!r}: register it with auditlog.register_action()")
    event = _build(action, actor, target, request, ip, metadata, Outcome(outcome), subject)
    started = time.perf_counter()
    try:
        _append(event)
    except DatabaseError:
        event.pk = None  # rolled back with the savepoint, whatever the insert had assigned
        metrics.WRITE_FAILURES.inc()
        logger.error("auditlog: could not write %s event", action, exc_info=True)
        if conf.strict():
            raise
        return event
    metrics.RECORD_SECONDS.observe(time.perf_counter() - started)
    metrics.EVENTS.labels(domain=event.domain, outcome=event.outcome).inc()
    return event


def verify_chain() -> ChainReport:
    """Walk the whole chain (events and signed pruned ranges) and name the first event that does not fit."""
    return walk()


def _build(action, actor, target, request, ip, metadata, outcome, subject) -> AuditEvent:
    request = request if request is not None else context.current_request()
    if actor is None:
        actor = context.current_actor() or (getattr(request, "user", None) if request is not None else None)
    columns = {**fields.actor_fields(actor), **fields.request_fields(request), **fields.target_fields(target)}
    if ip is not None:
        columns["ip"] = fields.normalize_ip(ip)
    return AuditEvent(
        action=action,
        domain=actions.domain_of(action),
        outcome=outcome,
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


def _append(event: AuditEvent) -> None:
    # The savepoint keeps the caller's transaction usable when this write fails.
    with transaction.atomic():
        head, _ = ChainHead.objects.select_for_update().get_or_create(pk=1, defaults={"hash": chain.GENESIS})
        # Stamped under the lock, so time order and chain order agree.
        event.created_at = timezone.now()
        event.seq = head.seq + 1
        event.prev_hash = head.hash
        event.hash_version = chain.CURRENT_VERSION
        event.hash = chain.event_hash(event)
        event.save(force_insert=True)
        ChainHead.objects.filter(pk=head.pk).update(seq=event.seq, hash=event.hash)
