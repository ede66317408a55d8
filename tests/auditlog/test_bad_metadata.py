"""Metadata that is not JSON is stringified and sensitive keys are masked: never an exception in the caller."""

from __future__ import annotations

import datetime
import decimal
import uuid

import pytest

from auditlog.models import AuditEvent
from auditlog.services import record, verify_chain

pytestmark = pytest.mark.django_db


class Opaque:
    def __str__(self) -> str:
        return "opaque-thing"


def test_it_stringifies_what_json_cannot_hold_and_the_chain_still_verifies():
    when = datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    metadata = {
        "when": when,
        "amount": decimal.Decimal("1.50"),
        "id": uuid.UUID(int=1),
        "object": Opaque(),
        "nan": float("nan"),
        "set": {3},
        (1, 2): "tuple key",
        "nul": "a\x00b",
        "nested": {"list": [Opaque(), 1.5, None, True]},
    }
    event = AuditEvent.objects.get(pk=record(action="auth.logout", metadata=metadata).pk)
    assert event.metadata == {
        "when": "2025-01-02 03:04:05+00:00",
        "amount": "1.50",
        "id": "00000000-0000-0000-0000-000000000001",
        "object": "opaque-thing",
        "nan": "nan",
        "set": [3],
        "(1, 2)": "tuple key",
        "nul": "ab",
        "nested": {"list": ["opaque-thing", 1.5, None, True]},
    }
    assert verify_chain().ok


def test_it_masks_sensitive_keys_at_any_depth(settings):
    settings.AUDITLOG_METADATA_REDACTOR = ""  # auditlog's own masking, without chatmon's redactor
    metadata = {"password": "hunter2", "nested": [{"api_key": "sk-123", "Authorization": "Bearer x"}], "keep": 1}
    event = AuditEvent.objects.get(pk=record(action="auth.logout", metadata=metadata).pk)
    assert event.metadata == {"password": "***", "nested": [{"api_key": "***", "Authorization": "***"}], "keep": 1}


def test_it_runs_the_configured_redactor_over_strings(settings):
    settings.AUDITLOG_METADATA_REDACTOR = "chatmon.logging.redact_value"
    event = record(action="auth.logout", metadata={"note": "key sk-abcdefghijklmnopqrstuvwxyz0123456789 leaked"})
    assert "sk-abcdefghijklmnopqrstuvwxyz0123456789" not in str(AuditEvent.objects.get(pk=event.pk).metadata)


def test_it_wraps_metadata_that_is_not_a_mapping():
    assert AuditEvent.objects.get(pk=record(action="auth.logout", metadata=[1, 2]).pk).metadata == {"value": [1, 2]}
