"""Sequence-then-seal: record() writes an event unsealed, the sealer links and hashes events in the order they
were written, verification counts what is not sealed yet and reports what waited past the window."""

from __future__ import annotations

import threading
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone
from prometheus_client import REGISTRY

from auditlog import chain, sealing
from auditlog.models import AuditEvent, ChainHead
from auditlog.services import record, verify_chain
from auditlog.tasks import seal as seal_job
from chatmon.core.beat import declared_schedule
from chatmon.core.models import JobRun

pytestmark = pytest.mark.django_db


def _record(n: int) -> AuditEvent:
    return record(action="account.settings_changed", actor="api-key:k1", metadata={"n": n})


def _sealed() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(seq__isnull=False).order_by("seq"))


def test_it_writes_an_event_unsealed_and_seals_it_in_written_order():
    written = [_record(n) for n in range(3)]
    assert [(e.seq, e.prev_hash, e.hash) for e in AuditEvent.objects.order_by("id")] == [(None, "", "")] * 3
    assert sealing.seal() == sealing.SealReport(sealed=3, batches=1)
    events = _sealed()
    assert [e.pk for e in events] == [e.pk for e in written]
    assert [e.seq for e in events] == [1, 2, 3]
    assert [e.prev_hash for e in events] == [chain.GENESIS, events[0].hash, events[1].hash]
    assert all(chain.hash_matches(e) and e.hash_version == chain.CURRENT_VERSION for e in events)
    head = ChainHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (3, events[2].hash)
    assert sealing.seal().sealed == 0  # twice is the same as once


def test_it_seals_in_batches_and_continues_the_chain(settings):
    settings.AUDITLOG_SEAL_BATCH_SIZE = 2
    for n in range(3):
        _record(n)
    assert sealing.seal() == sealing.SealReport(sealed=3, batches=2)
    for n in range(3, 5):
        _record(n)
    assert sealing.seal().sealed == 2
    assert [e.metadata["n"] for e in _sealed()] == [0, 1, 2, 3, 4]
    assert verify_chain(seal=False) == verify_chain().__class__(ok=True, checked=5)


def test_it_names_a_sealed_row_changed_afterwards_even_after_later_seals():
    for n in range(4):
        _record(n)
    sealing.seal()
    tampered = _sealed()[1]
    AuditEvent.objects.filter(pk=tampered.pk).update(metadata={"n": "changed"})
    _record(4)  # sealed after the change: the chain goes on, the changed row still fails
    report = verify_chain()
    assert (report.ok, report.checked, report.first_bad_id) == (False, 1, tampered.pk)
    assert "changed after it was written" in report.problem


def test_it_names_a_sealed_row_taken_back_out_of_the_chain():
    """Clearing a sealed row's position to have it sealed again at the end leaves a gap where it was."""
    for n in range(3):
        _record(n)
    sealing.seal()
    moved = _sealed()[1]
    AuditEvent.objects.filter(pk=moved.pk).update(seq=None, prev_hash="", hash="")
    report = verify_chain()  # re-seals it as #4
    assert (report.ok, "missing" in report.problem) == (False, True)


def test_an_unsealed_event_is_counted_not_checked():
    """The window: until the sealer reaches it, an event is not protected, so verification can only count it."""
    _record(0)
    sealing.seal()
    fresh = _record(1)
    AuditEvent.objects.filter(pk=fresh.pk).update(metadata={"n": "changed before the seal"})
    report = verify_chain(seal=False)
    assert (report.ok, report.checked, report.unsealed) == (True, 1, 1)
    assert report.oldest_unsealed_at == AuditEvent.objects.get(pk=fresh.pk).created_at
    out = StringIO()
    call_command("auditlog_verify", "--no-seal", stdout=out)
    assert "audit chain ok: 1 events checked; 1 written since, not sealed yet" in out.getvalue()
    # Sealed as it then stood: a change made inside the window is not detected.
    assert verify_chain() == verify_chain().__class__(ok=True, checked=2)


def test_an_event_unsealed_past_the_window_is_reported(settings):
    settings.AUDITLOG_SEAL_WINDOW_SECONDS = 60
    _record(0)
    sealing.seal()
    with time_machine.travel(timezone.now() - timedelta(seconds=90), tick=False):
        late = _record(1)
    _record(2)  # within the window: not a problem
    report = verify_chain(seal=False)
    assert (report.ok, report.checked, report.first_bad_id, report.unsealed) == (False, 1, late.pk, 2)
    assert f"event {late.pk} was unsealed for 90s, past the 60s window" in report.problem
    with pytest.raises(CommandError, match=f"event {late.pk} was unsealed"):
        call_command("auditlog_verify", "--no-seal", stdout=StringIO())
    # Sealing it now protects it from now on, but the check that sealed it still says it came late.
    report = verify_chain()
    assert (report.ok, report.checked, report.first_bad_id, report.unsealed) == (False, 3, late.pk, 0)
    assert verify_chain().ok


def test_a_tampered_chain_is_named_before_a_late_event():
    first = _record(0)
    sealing.seal()
    AuditEvent.objects.filter(pk=first.pk).update(outcome="failure")
    with time_machine.travel(timezone.now() - timedelta(hours=1), tick=False):
        _record(1)
    report = verify_chain(seal=False)
    assert (report.ok, report.first_bad_id) == (False, first.pk)
    assert "changed" in report.problem


def test_the_backlog_gauges_show_what_waits_for_the_sealer(settings):
    with time_machine.travel(timezone.now() - timedelta(seconds=30), tick=False):
        _record(0)
    _record(1)
    assert REGISTRY.get_sample_value("auditlog_unsealed_events") == 2
    assert 30 <= REGISTRY.get_sample_value("auditlog_unsealed_oldest_age_seconds") < 60
    sealed_before = REGISTRY.get_sample_value("auditlog_sealed_events_total") or 0
    sealing.seal()
    assert REGISTRY.get_sample_value("auditlog_unsealed_events") == 0
    assert REGISTRY.get_sample_value("auditlog_unsealed_oldest_age_seconds") == 0
    assert REGISTRY.get_sample_value("auditlog_sealed_events_total") == sealed_before + 2


def test_the_seal_job_runs_every_few_seconds():
    assert declared_schedule()["auditlog.seal"]["every"] <= 5


@pytest.mark.django_db(transaction=True)
def test_the_seal_job_seals_on_a_worker_and_records_a_job_run(celery_worker):
    _record(0)
    result = seal_job.delay()
    assert result.get(timeout=60) == {"sealed": 1, "batches": 1, "skipped": False}
    assert JobRun.objects.get(task="auditlog.seal", task_id=result.id).status == "success"
    assert verify_chain(seal=False).checked == 1


@pytest.mark.django_db(transaction=True)
def test_the_seal_job_leaves_the_work_to_a_sealer_holding_the_head():
    """One sealer at a time: the beat job skips while another holds the chain head; a waiting seal (verify,
    retention) seals after it. SQLite needs no such test: its IMMEDIATE transactions admit one writer."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises whole write transactions")
    _record(0)
    sealing.seal()
    _record(1)
    holding, release = threading.Event(), threading.Event()

    def hold_the_head() -> None:
        try:
            with transaction.atomic():
                ChainHead.objects.select_for_update().get(pk=1)
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_head)
    holder.start()
    try:
        assert holding.wait(10)
        assert seal_job() == {"sealed": 0, "batches": 0, "skipped": True}
        assert AuditEvent.objects.filter(seq__isnull=True).count() == 1
    finally:
        release.set()
        holder.join()
    assert sealing.seal(wait=True).sealed == 1
    assert verify_chain(seal=False) == verify_chain().__class__(ok=True, checked=2)
