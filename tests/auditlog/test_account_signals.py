"""auditlog's own account signals (what Django does not signal) each record their action for the user."""

from __future__ import annotations

import pytest

from auditlog import signals
from auditlog.models import AuditEvent
from tests.auditlog.conftest import events, last_id

pytestmark = pytest.mark.django_db

SENT = [
    (signals.email_verified, "account.email_verified"),
    (signals.two_factor_enabled, "account.two_factor_enabled"),
    (signals.two_factor_verified, "auth.two_factor_verified"),
    (signals.settings_changed, "account.settings_changed"),
    (signals.avatar_updated, "account.avatar_updated"),
    (signals.sessions_revoked, "account.sessions_revoked"),
]


@pytest.mark.parametrize(("signal", "action"), SENT, ids=[action for _, action in SENT])
def test_it_records_each_account_signal(rf, member, signal, action):
    request = rf.post("/account", REMOTE_ADDR="192.0.2.10")
    request.user = member
    start = last_id()
    signal.send(sender=None, user=member, request=request, metadata={"count": 2, "otp_secret": "JBSWY3DP"})
    assert events(after=start) == [(action, "success", "member@example.com", member.pk)]
    event = AuditEvent.objects.filter(id__gt=start).earliest("id")
    assert event.ip == "192.0.2.10"
    assert event.metadata["count"] == 2 and "JBSWY3DP" not in str(event.metadata)


def test_it_records_a_wrong_two_factor_code_as_a_failure(member):
    start = last_id()
    signals.two_factor_verified.send(sender=None, user=member, success=False)
    assert events(after=start) == [("auth.two_factor_verified", "failure", "system", member.pk)]
