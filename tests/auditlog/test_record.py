"""record(): the columns it fills, the subject it infers, and the actions it accepts."""

from __future__ import annotations

import pytest

from auditlog import register_action
from auditlog.context import acting_as
from auditlog.models import AuditEvent
from auditlog.services import record

pytestmark = pytest.mark.django_db


def test_it_fills_actor_target_request_and_metadata(rf, member, operator):
    request = rf.get("/", REMOTE_ADDR="::ffff:198.51.100.4", HTTP_USER_AGENT="ua/1", HTTP_X_REQUEST_ID="rid-1")
    request.user = operator
    event = record(action="account.settings_changed", target=member, request=request, metadata={"changed": ["lang"]})
    event = AuditEvent.objects.get(pk=event.pk)
    assert (event.action, event.domain, event.outcome) == ("account.settings_changed", "account", "success")
    assert (event.actor_id, event.actor_label, event.subject_id) == (operator.pk, "operator@example.com", member.pk)
    assert (event.target_type.model, event.target_id, event.target_repr) == ("user", str(member.pk), "member")
    assert (event.ip, event.user_agent, event.request_id) == ("198.51.100.4", "ua/1", "rid-1")
    assert event.metadata == {"changed": ["lang"]}


def test_it_names_system_jobs_and_api_keys_by_label(member):
    assert record(action="ledger.credits_granted", subject=member).actor_label == "system"
    assert record(action="ledger.credits_granted", actor="api-key:ab12").actor_label == "api-key:ab12"
    with acting_as("job:nightly"):
        event = record(action="system.retention_pruned")
    assert (event.actor_label, event.actor_id, event.subject_id) == ("job:nightly", None, None)


def test_it_takes_an_explicit_ip_over_the_request(rf):
    request = rf.get("/", REMOTE_ADDR="10.0.0.1")
    assert record(action="auth.logout", request=request, ip="2001:DB8::1").ip == "2001:db8::1"
    assert record(action="auth.logout", request=request, ip="not an ip").ip == ""


def test_it_refuses_an_unknown_action_until_registered():
    with pytest.raises(ValueError, match="unknown audit action"):
        record(action="billing.invoice_sent")
    register_action("billing.invoice_sent", "Invoice sent")
    assert record(action="billing.invoice_sent").domain == "billing"
    with pytest.raises(ValueError, match="domain"):
        register_action("nodomain")


def test_it_refuses_an_unknown_outcome():
    with pytest.raises(ValueError):
        record(action="auth.logout", outcome="maybe")
