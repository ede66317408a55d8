"""A lone surrogate in what a caller hands to record() is replaced with U+FFFD: the event is written, its
hash computed and the chain verifies, instead of an encoding error in the caller."""

from __future__ import annotations

import json

import pytest
from django.contrib.contenttypes.models import ContentType

from auditlog.fields import Target
from auditlog.models import AuditEvent
from auditlog.services import record, verify_chain

pytestmark = pytest.mark.django_db


def test_it_replaces_lone_surrogates_in_metadata_keys_and_values():
    metadata = json.loads('{"title": "hi \\ud83d", "\\udc00": ["\\ud83d\\ude00", "a\\ud800b"]}')
    event = AuditEvent.objects.get(pk=record(action="auth.logout", metadata=metadata).pk)
    assert event.metadata == {"title": "hi \ufffd", "\ufffd": ["\U0001f600", "a\ufffdb"]}
    assert verify_chain().ok


def test_it_replaces_lone_surrogates_in_the_actor_and_target():
    target = Target(ContentType.objects.get_for_model(AuditEvent), "1\ud83d", "title \udc00")
    event = AuditEvent.objects.get(pk=record(action="auth.logout", actor="api-key:\ud83d", target=target).pk)
    assert (event.actor_label, event.target_id, event.target_repr) == ("api-key:\ufffd", "1\ufffd", "title \ufffd")
    assert verify_chain().ok
