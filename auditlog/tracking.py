"""Model tracking: `track_model_changes(Model, ...)` records create, update (field diff) and delete of a chat
app's rows.

Only save() and delete() send the signals this listens to. QuerySet.update(), bulk_create(), bulk_update()
and raw SQL bypass them; call record_bulk() next to such code so the change still leaves one event.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save

from auditlog.actions import register_action
from auditlog.fields import Target
from auditlog.fields import mask as mask_text
from auditlog.services import record

BULK_IDS_KEPT = 100


@dataclass(frozen=True)
class Tracking:
    fields: tuple[str, ...]
    mask: frozenset[str] = frozenset()
    digest: frozenset[str] = frozenset()
    domain: str = "chat"
    subject: str = ""  # attribute path to the owning user's id, e.g. "conversation.user_id"
    actions: dict[str, str] = field(default_factory=dict)

    def shown(self, name: str, value: Any) -> Any:
        """A field's value as the audit row keeps it: digested (length and hash), masked, or as is."""
        if value is None:
            return None
        if name in self.digest:
            text = str(value)
            return {"length": len(text), "sha256": hashlib.sha256(text.encode()).hexdigest()}
        if name in self.mask:
            return mask_text(str(value))
        return value

    def values(self, instance: models.Model) -> dict[str, Any]:
        return {name: getattr(instance, name) for name in self.fields}


_tracked: dict[type[models.Model], Tracking] = {}


def track_model_changes(
    model: type[models.Model],
    *,
    fields: list[str] | None = None,
    exclude: list[str] | tuple[str, ...] = (),
    mask: list[str] | tuple[str, ...] = (),
    digest: list[str] | tuple[str, ...] = (),
    domain: str = "chat",
    subject: str = "",
) -> Tracking:
    """Record `model`'s creates, updates and deletes as `<domain>.created|updated|deleted|bulk_changed`.

    `fields` (default: every concrete field but the primary key) minus `exclude` are diffed; `mask` fields
    keep only their second half, `digest` fields only their length and SHA-256 (for message text)."""
    names = fields or [f.attname for f in model._meta.concrete_fields if not f.primary_key]
    verbs = ("created", "updated", "deleted", "bulk_changed")
    tracking = Tracking(
        fields=tuple(n for n in names if n not in exclude),
        mask=frozenset(mask),
        digest=frozenset(digest),
        domain=domain,
        subject=subject,
        actions={verb: register_action(f"{domain}.{verb}") for verb in verbs},
    )
    _tracked[model] = tracking
    uid = f"auditlog.track.{model._meta.label}"
    pre_save.connect(_remember_old, sender=model, dispatch_uid=uid)
    post_save.connect(_saved, sender=model, dispatch_uid=uid)
    post_delete.connect(_deleted, sender=model, dispatch_uid=uid)
    return tracking


def _subject_of(tracking: Tracking, instance: models.Model) -> Any:
    value: Any = instance
    for part in tracking.subject.split(".") if tracking.subject else []:
        value = getattr(value, part, None)
    return value if tracking.subject else None


def _remember_old(sender: type[models.Model], instance: models.Model, raw: bool = False, **_: Any) -> None:
    if raw or instance._state.adding:
        return
    tracking = _tracked[sender]
    instance._auditlog_old = sender._default_manager.filter(pk=instance.pk).values(*tracking.fields).first()


def _diff(tracking: Tracking, old: dict, new: dict, update_fields: Any) -> dict[str, list]:
    names = [
        n
        for n in tracking.fields
        if update_fields is None or n in update_fields or n.removesuffix("_id") in update_fields
    ]
    return {n: [tracking.shown(n, old.get(n)), tracking.shown(n, new[n])] for n in names if old.get(n) != new[n]}


def _saved(sender: type[models.Model], instance: models.Model, created: bool, raw: bool = False, **kw: Any) -> None:
    if raw:
        return
    tracking = _tracked[sender]
    new = tracking.values(instance)
    if created:
        shown = {name: tracking.shown(name, value) for name, value in new.items()}
        _record(tracking, "created", instance, {"fields": shown})
        return
    old = getattr(instance, "_auditlog_old", None) or {}
    changes = _diff(tracking, old, new, kw.get("update_fields"))
    if changes:
        _record(tracking, "updated", instance, {"changes": changes})


def _deleted(sender: type[models.Model], instance: models.Model, **_: Any) -> None:
    _record(_tracked[sender], "deleted", instance, {})


def _target(tracking: Tracking, instance: models.Model) -> models.Model | Target:
    """The instance, or only its type and id when it has masked or digested fields: its str() may show them
    (a conversation's title, the start of a message) in `target_repr`, which is kept in clear."""
    if not (tracking.mask or tracking.digest):
        return instance
    content_type = ContentType.objects.get_for_model(instance, for_concrete_model=False)
    return Target(content_type, str(instance.pk), f"{instance._meta.verbose_name} {instance.pk}")


def _record(tracking: Tracking, verb: str, instance: models.Model, metadata: dict) -> None:
    target = _target(tracking, instance)
    record(action=tracking.actions[verb], target=target, subject=_subject_of(tracking, instance), metadata=metadata)


def record_bulk(queryset: models.QuerySet, *, operation: str, changes: dict | None = None, actor: Any = None):
    """One event for a bulk operation on a tracked model: call it with the queryset before (or instead of)
    `.update(**changes)` / `.delete()`; it records how many rows, the first ids, and the masked changes."""
    tracking = _tracked[queryset.model]
    ids = [str(pk) for pk in queryset.values_list("pk", flat=True)[: BULK_IDS_KEPT + 1]]
    return record(
        action=tracking.actions["bulk_changed"],
        actor=actor,
        metadata={
            "model": queryset.model._meta.label,
            "operation": operation,
            "count": queryset.count(),
            "ids": ids[:BULK_IDS_KEPT],
            "changes": {name: tracking.shown(name, value) for name, value in (changes or {}).items()},
        },
    )
