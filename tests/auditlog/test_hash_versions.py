"""Hash versions: new events (version 2) hash every stored column, events written the old way (version 1,
without `domain`) still verify, and a row cannot be relabelled to an older or unknown version unnoticed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import models

from auditlog import chain, sealing
from auditlog.models import AuditEvent, ChainHead
from auditlog.services import record, verify_chain

pytestmark = pytest.mark.django_db

# Not hashed: the row id is assigned by the insert, after the hash (`seq` is the position), and the hash itself.
UNHASHED = {"id", "hash"}


@pytest.fixture
def four(db, django_user_model) -> list[AuditEvent]:
    user = django_user_model.objects.create_user("subject")
    written = [
        record(action="account.settings_changed", actor="api-key:k1", target=user, metadata={"n": n}) for n in range(4)
    ]
    sealing.seal()
    return list(AuditEvent.objects.filter(pk__in=[event.pk for event in written]).order_by("seq"))


def _rechain(*, v1: int) -> list[AuditEvent]:
    """Rewrite the chain as the old code would have: its first `v1` events hashed with version 1."""
    previous = chain.GENESIS
    rows = list(AuditEvent.objects.order_by("seq"))
    for n, event in enumerate(rows):
        event.prev_hash, event.hash_version = previous, 1 if n < v1 else 2
        event.hash = chain.event_hash(event)
        event.save()
        previous = event.hash
    ChainHead.objects.filter(pk=1).update(seq=rows[-1].seq, hash=previous)
    return rows


def _changed(event: AuditEvent, field: models.Field) -> object:
    value = getattr(event, field.attname)
    if field.name == "hash_version":
        return 1
    if field.name == "target_type":
        return ContentType.objects.get_for_model(AuditEvent).pk
    if isinstance(field, models.DateTimeField):
        return value + timedelta(microseconds=1)
    if isinstance(field, models.JSONField):
        return {"changed": True}
    if isinstance(field, models.IntegerField | models.ForeignKey):
        return (value or 0) + 1
    return f"{value}x"


def test_new_events_use_the_current_version(four):
    assert set(AuditEvent.objects.values_list("hash_version", flat=True)) == {chain.CURRENT_VERSION} == {2}


@pytest.mark.parametrize(
    "field", [f for f in AuditEvent._meta.concrete_fields if f.name not in UNHASHED], ids=lambda f: f.name
)
def test_it_hashes_every_stored_column(four, field):
    """A column added to AuditEvent fails here until a new hash version covers it."""
    event = AuditEvent.objects.get(pk=four[1].pk)
    setattr(event, field.attname, _changed(event, field))
    assert chain.canonical_form(event) != chain.canonical_form(AuditEvent.objects.get(pk=four[1].pk))


def test_it_names_a_row_whose_domain_was_changed(four):
    AuditEvent.objects.filter(pk=four[2].pk).update(domain="system")
    report = verify_chain()
    assert (report.ok, report.checked, report.first_bad_id) == (False, four[2].seq - 1, four[2].pk)
    assert "changed" in report.problem


def test_events_hashed_the_old_way_still_verify_before_new_ones(four):
    rows = _rechain(v1=3)  # the user's account.created event, then the four
    assert [e.hash_version for e in rows] == [1, 1, 1, 2, 2]
    assert verify_chain() == verify_chain().__class__(ok=True, checked=5)
    # Appending after them links to the last one.
    record(action="account.settings_changed", actor="api-key:k1")
    assert verify_chain().ok
    # Version 1 never covered `domain`; every other column of a version-1 row still is.
    AuditEvent.objects.filter(pk=rows[0].pk).update(outcome="failure")
    assert (verify_chain().ok, verify_chain().first_bad_id) == (False, rows[0].pk)


def test_it_names_a_row_relabelled_to_the_old_version(four):
    AuditEvent.objects.filter(pk=four[1].pk).update(hash_version=1, domain="system")
    report = verify_chain()
    assert (report.ok, report.first_bad_id) == (False, four[1].pk)


def test_it_names_an_old_version_after_a_new_one_even_with_a_recomputed_hash(four):
    last = AuditEvent.objects.get(pk=four[3].pk)
    last.hash_version, last.domain = 1, "system"
    last.hash = chain.event_hash(last)
    last.save()
    ChainHead.objects.filter(pk=1).update(hash=last.hash)
    report = verify_chain()
    assert (report.ok, report.first_bad_id) == (False, last.pk)
    assert "hash version 1 after version 2" in report.problem


def test_it_names_a_row_with_an_unknown_version(four):
    AuditEvent.objects.filter(pk=four[0].pk).update(hash_version=9)
    report = verify_chain()
    assert (report.ok, report.first_bad_id) == (False, four[0].pk)
    assert "unknown hash version 9" in report.problem
