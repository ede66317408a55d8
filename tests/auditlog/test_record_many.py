"""record_many(): many events in one insert, sealed, chained and verified exactly like events record() writes."""

from __future__ import annotations

import logging

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from prometheus_client import REGISTRY

from auditlog import chain, sealing
from auditlog.models import AuditEvent
from auditlog.services import record, record_many, verify_chain
from tests.auditlog.conftest import last_id
from tests.auditlog.test_write_failure import FAILURES, audit_table_gone

pytestmark = pytest.mark.django_db

# Every column a caller fills, apart from the time (each record() stamps its own) and what the insert and the
# sealer assign.
CONTENT = [
    "action",
    "domain",
    "outcome",
    "actor_id",
    "actor_label",
    "subject_id",
    "target_type_id",
    "target_id",
    "target_repr",
    "ip",
    "user_agent",
    "request_id",
    "metadata",
    "hash_version",
]


def _entries(member, operator) -> list[dict]:
    return [
        {"action": "ledger.balance_refilled", "actor": "job:ledger.refill", "target": member, "metadata": {"n": 1}},
        {"action": "account.settings_changed", "actor": operator, "subject": member.pk, "ip": "::ffff:192.0.2.1"},
        {"action": "ledger.balance_denied", "actor": member, "outcome": "denied", "metadata": {"api_key": "s3cret"}},
    ]


def _content(events) -> list[tuple]:
    return [tuple(getattr(event, name) for name in CONTENT) for event in events]


def test_it_writes_the_events_record_would_write_in_one_insert(member, operator):
    start = last_id()
    one_by_one = [record(**entry) for entry in _entries(member, operator)]
    with CaptureQueriesContext(connection) as queries:
        batch = record_many(_entries(member, operator))
    # In a savepoint: the test runs in a transaction, as a job would.
    assert [query["sql"].split()[0] for query in queries] == ["SAVEPOINT", "INSERT", "RELEASE"]
    assert all(event.pk for event in batch)
    stored = list(AuditEvent.objects.filter(id__gt=start).order_by("id"))
    assert _content(stored[3:]) == _content(stored[:3]) == _content(one_by_one)
    assert "s3cret" not in str(stored[5].metadata)  # masked as record() masks


def test_its_events_are_sealed_in_the_order_given_and_verify(member, operator):
    record(action="account.settings_changed", actor=operator, target=member)
    batch = record_many(_entries(member, operator) * 3)
    record(action="account.settings_changed", actor=operator, target=member)
    assert sealing.seal().sealed >= len(batch) + 2
    sealed = sorted(AuditEvent.objects.filter(pk__in=[event.pk for event in batch]), key=lambda event: event.pk)
    assert [event.seq for event in sealed] == list(range(sealed[0].seq, sealed[0].seq + len(batch)))
    assert all(chain.hash_matches(event) for event in sealed)
    assert verify_chain().ok


def test_a_changed_batch_event_fails_verification(member, operator):
    batch = record_many(_entries(member, operator))
    sealing.seal()
    AuditEvent.objects.filter(pk=batch[1].pk).update(actor_label="someone-else")
    report = verify_chain()
    assert (report.ok, report.first_bad_id) == (False, batch[1].pk)


def test_it_refuses_an_unknown_action_before_writing_anything(member, operator):
    start = last_id()
    with pytest.raises(ValueError, match="unknown audit action"):
        record_many([*_entries(member, operator), {"action": "ledger.no_such_thing"}])
    assert last_id() == start


def test_nothing_to_record_writes_nothing():
    with CaptureQueriesContext(connection) as queries:
        assert record_many([]) == []
    assert len(queries) == 0


def test_a_failed_write_leaves_every_event_unsaved_and_the_callers_transaction_usable(member, operator, caplog):
    before = REGISTRY.get_sample_value(FAILURES) or 0
    with caplog.at_level(logging.ERROR, logger="auditlog.services"), transaction.atomic():
        with audit_table_gone():
            batch = record_many(_entries(member, operator))
        member.save()  # the transaction still works after the failed insert
    assert [event.pk for event in batch] == [None, None, None]
    assert REGISTRY.get_sample_value(FAILURES) == before + 3
    assert "could not write 3 events (account.settings_changed, ledger.balance_denied" in caplog.text


def test_it_raises_in_strict_mode(member, operator, settings):
    settings.AUDITLOG_STRICT = True
    with audit_table_gone(), pytest.raises(DatabaseError):
        record_many(_entries(member, operator))


@pytest.mark.django_db(transaction=True)
def test_its_events_roll_back_with_the_callers_transaction(member, operator):
    start = last_id()
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        record_many(_entries(member, operator))
        1 / 0  # noqa: B018
    assert last_id() == start
    record_many(_entries(member, operator))
    assert verify_chain().ok


def test_a_batch_longer_than_one_statement_is_written_whole_and_in_order(member):
    # More events than one statement's parameters hold (fastinsert.MAX_PARAMETERS).
    entries = [{"action": "ledger.balance_refilled", "subject": member.pk, "metadata": {"n": n}} for n in range(2000)]
    batch = record_many(entries)
    stored = list(AuditEvent.objects.filter(pk__in=[event.pk for event in batch]).order_by("id"))
    assert [event.metadata["n"] for event in stored] == list(range(2000))
    assert [event.pk for event in stored] == [event.pk for event in batch]
    assert verify_chain().ok
