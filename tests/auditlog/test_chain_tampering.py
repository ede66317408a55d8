"""verify_chain() and `auditlog_verify` detect a changed, deleted or inserted sealed row and name the first bad
one. (An unsealed row is not protected yet: tests/auditlog/test_sealing.py states that window.)"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from auditlog import chain, sealing
from auditlog.models import AuditEvent, ChainHead
from auditlog.services import record, verify_chain

pytestmark = pytest.mark.django_db


@pytest.fixture
def five(db) -> list[AuditEvent]:
    """Five sealed events, as the database holds them (with their positions and hashes)."""
    written = [record(action="account.settings_changed", actor="api-key:k1", metadata={"n": n}) for n in range(5)]
    assert sealing.seal().sealed == 5
    return list(AuditEvent.objects.filter(pk__in=[event.pk for event in written]).order_by("seq"))


def test_it_passes_an_untouched_chain(five):
    assert verify_chain() == verify_chain().__class__(ok=True, checked=5)
    out = StringIO()
    call_command("auditlog_verify", stdout=out)
    assert "audit chain ok: 5 events checked" in out.getvalue()


def test_it_passes_an_empty_chain(db):
    assert verify_chain().ok


@pytest.mark.parametrize("change", [{"metadata": {"n": 99}}, {"outcome": "failure"}, {"ip": "10.9.9.9"}])
def test_it_names_a_changed_row(five, change):
    AuditEvent.objects.filter(pk=five[2].pk).update(**change)
    report = verify_chain()
    assert (report.ok, report.checked, report.first_bad_id) == (False, 2, five[2].pk)
    assert "changed" in report.problem


def test_it_names_a_changed_row_whose_hash_was_recomputed(five):
    tampered = AuditEvent.objects.get(pk=five[1].pk)
    tampered.actor_label = "someone-else"
    tampered.hash = chain.event_hash(tampered)
    tampered.save()
    # Its own hash fits now, but the next event still links to the original.
    assert (verify_chain().ok, verify_chain().first_bad_id) == (False, five[2].pk)


def test_it_names_the_event_after_a_deleted_row(five):
    AuditEvent.objects.filter(pk=five[2].pk).delete()
    report = verify_chain()
    assert (report.ok, report.first_bad_id) == (False, five[3].pk)
    assert "missing" in report.problem


def test_it_notices_deleted_rows_at_the_end(five):
    AuditEvent.objects.filter(pk__in=[five[3].pk, five[4].pk]).delete()
    report = verify_chain()
    assert (report.ok, report.checked, report.first_bad_id) == (False, 3, None)
    assert "at the end were removed" in report.problem


def test_it_names_an_inserted_row(five):
    forged = AuditEvent.objects.get(pk=five[4].pk)
    forged.pk, forged.seq, forged.prev_hash = None, 6, five[4].hash
    forged.hash = chain.event_hash(forged)
    forged.save()
    report = verify_chain()
    assert (report.ok, report.first_bad_id) == (False, forged.pk)


def test_it_names_where_a_row_was_slipped_between_two_others(five):
    for event in reversed(five[3:]):  # make room at #4, last first so positions stay unique
        AuditEvent.objects.filter(pk=event.pk).update(seq=event.seq + 1)
    forged = AuditEvent.objects.get(pk=five[2].pk)
    forged.pk, forged.seq, forged.prev_hash, forged.metadata = None, 4, five[2].hash, {"n": "forged"}
    forged.hash = chain.event_hash(forged)
    forged.save()
    ChainHead.objects.update(seq=6)
    report = verify_chain()
    # The forgery links backwards, but the moved event after it neither links to it nor keeps its hash.
    assert (report.ok, report.checked, report.first_bad_id) == (False, 4, five[3].pk)


def test_the_command_exits_non_zero_on_a_broken_chain(five):
    AuditEvent.objects.filter(pk=five[0].pk).update(action="auth.login")
    with pytest.raises(CommandError, match=f"event {five[0].pk}"):
        call_command("auditlog_verify", stdout=StringIO())
