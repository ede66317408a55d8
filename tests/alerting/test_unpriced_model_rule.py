"""The unpriced-model rule announces each model charged the default rate once: its incident names the new
models, then resolves; a model already named never opens another incident."""

from __future__ import annotations

import pytest

from chatmon.alerting.evaluation import evaluate
from chatmon.alerting.models import AlertedSubject, AlertRule, Incident
from chatmon.alerting.values import reading
from ledger import services as ledger

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_cached_prices")]


def rule(**fields) -> AlertRule:
    return AlertRule.objects.create(name="unpriced", kind="unpriced_model", threshold=0, window_minutes=60, **fields)


def test_each_unpriced_model_raises_an_alert_once(member, webhook, receiver):
    unpriced = rule()
    unpriced.channels.add(webhook)
    ledger.spend_tokens(user=member, model="gpt-4o", prompt_tokens=10)
    ledger.spend_tokens(user=member, model="acme-llm-1", prompt_tokens=10)
    ledger.spend_tokens(user=member, model="zeta-9", prompt_tokens=10)

    assert evaluate(unpriced) == "opened"
    first = Incident.objects.get(rule=unpriced)
    assert first.summary == (
        "more than 0 models charged at the default rate in 60 minutes: now 2 (models acme-llm-1, zeta-9)"
    )
    assert "models acme-llm-1, zeta-9" in receiver.bodies[0]["text"]

    ledger.spend_tokens(user=member, model="acme-llm-1", prompt_tokens=10)  # still unpriced, already named
    assert evaluate(unpriced) == "resolved"
    assert evaluate(unpriced) is None

    ledger.spend_tokens(user=member, model="omega-2", prompt_tokens=10)
    assert evaluate(unpriced) == "opened"
    assert Incident.objects.filter(rule=unpriced).latest("opened_at").summary.endswith("now 1 (models omega-2)")
    assert sorted(AlertedSubject.objects.values_list("subject", "incident_id")) == [
        ("acme-llm-1", first.pk), ("omega-2", first.pk + 1), ("zeta-9", first.pk)]  # fmt: skip


def test_a_rule_waiting_for_its_for_duration_names_nothing_yet(member):
    ledger.spend_tokens(user=member, model="acme-llm-1", prompt_tokens=10)
    waiting = rule(for_minutes=5)

    assert evaluate(waiting) == "pending"
    assert not AlertedSubject.objects.exists()
    assert reading(waiting).value == 1


def test_a_subject_watches_one_model(member):
    ledger.spend_tokens(user=member, model="acme-llm-1", prompt_tokens=10)
    assert reading(rule(subject="zeta-9")).value == 0
