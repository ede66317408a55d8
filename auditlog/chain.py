"""The hash chain: an event's canonical form, its SHA-256, and the HMAC that signs pruned ranges.

Each event's hash covers its content and the previous event's hash, so changing, deleting or inserting a
row breaks the links after it. Pruned ranges are signed with SECRET_KEY (HMAC), so a range cannot be forged
to paper over a deleted stretch without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.contenttypes.models import ContentType

if TYPE_CHECKING:
    from auditlog.models import AuditEvent, PrunedRange

GENESIS = "0" * 64


def canonical_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _target_label(event: AuditEvent) -> str:
    # The content type's natural key, not its id: ids differ between databases restored from dumps.
    if not event.target_type_id:
        return ""
    content_type = ContentType.objects.get_for_id(event.target_type_id)
    return f"{content_type.app_label}.{content_type.model}"


# Version 1 (chatmon 0.1 until 2026-11) left out `domain`, which retention and the user timeline act on.
# Version 2 covers every stored column but the row id (assigned by the insert, after the hash; `seq` is the
# event's position) and the hash itself. Each row keeps the version it was hashed with, and verification
# uses that version's form, so rows written before version 2 still verify. A new column needs a version 3.
CURRENT_VERSION = 2


def _v1_form(event: AuditEvent) -> dict:
    return {
        "seq": event.seq,
        "prev": event.prev_hash,
        "at": event.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "action": event.action,
        "outcome": event.outcome,
        "actor": str(event.actor_id or ""),
        "actor_label": event.actor_label,
        "subject": str(event.subject_id or ""),
        "target": [_target_label(event), event.target_id, event.target_repr],
        "ip": event.ip,
        "ua": event.user_agent,
        "request_id": event.request_id,
        "metadata": event.metadata,
    }


def _v2_form(event: AuditEvent) -> dict:
    # The version is hashed too: relabelling a row as version 1 to drop `domain` from its hash changes the hash.
    return {**_v1_form(event), "v": 2, "domain": event.domain}


FORMS = {1: _v1_form, 2: _v2_form}


def canonical_form(event: AuditEvent) -> str:
    """The text hashed for `event`, in the form of its `hash_version`; ValueError for a version we do not know."""
    form = FORMS.get(event.hash_version)
    if form is None:
        raise ValueError(f"unknown audit hash version {event.hash_version!r}")
    return canonical_json(form(event))


def event_hash(event: AuditEvent) -> str:
    return hashlib.sha256(canonical_form(event).encode()).hexdigest()


def hash_matches(event: AuditEvent) -> bool:
    """The row still has the hash it was written with (False for a version we do not know)."""
    return event.hash_version in FORMS and hmac.compare_digest(event_hash(event), event.hash)


def range_signature(pruned: PrunedRange) -> str:
    message = f"auditlog.pruned:{pruned.first_seq}:{pruned.last_seq}:{pruned.prev_hash}:{pruned.last_hash}"
    return hmac.new(settings.SECRET_KEY.encode(), message.encode(), hashlib.sha256).hexdigest()


def range_is_signed(pruned: PrunedRange) -> bool:
    return hmac.compare_digest(pruned.signature, range_signature(pruned))
