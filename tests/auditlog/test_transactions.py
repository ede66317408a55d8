"""An event recorded inside a transaction is written in it: it commits or rolls back with the change."""

from __future__ import annotations

import pytest
from django.db import transaction

from auditlog.models import AuditEvent
from auditlog.services import record, verify_chain

pytestmark = pytest.mark.django_db(transaction=True)


class Boom(Exception):
    pass


def test_it_rolls_the_event_back_with_the_callers_transaction(member):
    before = AuditEvent.objects.count()
    with pytest.raises(Boom), transaction.atomic():
        record(action="account.settings_changed", target=member)
        raise Boom
    assert AuditEvent.objects.count() == before
    # Nothing of it reaches the chain: the next event is sealed right after the one before, without a gap.
    record(action="account.settings_changed", target=member)
    assert verify_chain().ok


def test_it_commits_the_event_with_the_callers_transaction(member):
    before = AuditEvent.objects.count()
    with transaction.atomic():
        record(action="account.settings_changed", target=member)
    assert AuditEvent.objects.count() == before + 1
