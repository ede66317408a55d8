"""The model rule kinds: a model's error rate and its TTFT p95, of the worst model or of the rule's subject,
read from the generation rollups with the newest minutes still in Redis; the incident names the model."""

from __future__ import annotations

import pytest
from django.utils import timezone

from chatmon.alerting.evaluation import evaluate
from chatmon.alerting.models import AlertRule
from chatmon.alerting.values import reading
from chatmon.monitoring import flusher
from chatmon.monitoring.generations import GenerationReport, model_label, record_generation
from chatmon.monitoring.models import GenerationRollup

pytestmark = pytest.mark.django_db


def rule(kind: str, threshold: float, subject: str = "") -> AlertRule:
    return AlertRule.objects.create(
        name=f"{kind} {subject}", kind=kind, threshold=threshold, subject=subject, window_minutes=10
    )


def generations(model: str, outcomes: list[str], ttft_ms: float = 300.0) -> None:
    for outcome in outcomes:
        record_generation(GenerationReport(model=model, provider="openAI", outcome=outcome, duration_ms=2000.0,
                                           ttft_ms=ttft_ms if outcome == "ok" else None))  # fmt: skip
    flusher.flush()  # in Redis, not yet compacted: the rule must still see them


def test_the_error_rate_is_the_worst_models_and_names_it(no_recent_requests):
    generations("gpt-4o-mini", ["ok"] * 9 + ["provider_error"])  # 10 %
    generations("claude-sonnet-4", ["ok"] * 3 + ["provider_rate_limit", "refused"])  # 1 of 4 attempted: 25 %
    measured = reading(rule("model_error_rate", 20))
    key = model_label("claude-sonnet-4")
    assert (measured.value, measured.about, measured.subjects) == (25.0, f"model {key}", (key,))


def test_a_subject_watches_one_model_by_key_or_by_name(no_recent_requests):
    generations("gpt-4o-mini", ["ok"] * 9 + ["provider_error"])
    generations("claude-sonnet-4", ["ok", "provider_timeout"])
    assert reading(rule("model_error_rate", 5, subject="gpt-4o-mini-2024-07-18")).value == 10.0
    assert reading(rule("model_error_rate", 5, subject="no-such-model")).value is None


def test_ttft_p95_reads_the_histogram(no_recent_requests):
    generations("gpt-4o", ["ok"] * 20, ttft_ms=1800.0)  # all in (1500, 2000]: p95 = 1500 + 500 * 19/20
    generations("gpt-4o-mini", ["ok"] * 20, ttft_ms=200.0)
    measured = reading(rule("model_ttft_p95", 1000))
    assert (measured.value, measured.about) == (1975.0, f"model {model_label('gpt-4o')}")


def test_an_incident_opens_naming_the_model(no_recent_requests):
    generations("gpt-4o", ["provider_timeout"] * 3 + ["ok"])
    watched = rule("model_error_rate", 50)
    assert evaluate(watched) == "opened"
    incident = watched.incidents.get()
    assert model_label("gpt-4o") in incident.summary


def test_no_generations_is_no_value(no_recent_requests):
    GenerationRollup.objects.create(minute=timezone.now() - timezone.timedelta(hours=3), model="gpt-4o",
                                    provider="openAI", count=5, provider_error=5)  # fmt: skip
    assert reading(rule("model_error_rate", 1)).value is None  # outside the 10-minute window
