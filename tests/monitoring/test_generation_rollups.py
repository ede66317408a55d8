"""Generations are rolled up per minute, model (value key) and provider in memory, flushed to Redis and
compacted to GenerationRollup rows; feedback moves between the thumbs columns when a rating changes."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from chatmon.dashboards.modelfigures import figures
from chatmon.monitoring import flusher, generation_fields
from chatmon.monitoring.aggregator import buffer
from chatmon.monitoring.compaction import compact
from chatmon.monitoring.feedback import record_feedback
from chatmon.monitoring.generations import GenerationReport, model_label, record_generation
from chatmon.monitoring.models import GenerationRollup, MessageFeedback
from chatmon.monitoring.recent_generations import generation_minutes
from ledger import services as ledger
from ledger.models import PriceOverride

pytestmark = pytest.mark.django_db

AT = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC, long past: compaction takes it at once


def report(**overrides) -> GenerationReport:
    fields = {
        "model": "gpt-4o-mini",
        "provider": "openAI",
        "outcome": "ok",
        "duration_ms": 1200.0,
        "ttft_ms": 200.0,
        "prompt_tokens": 100,
        "completion_tokens": 50,
        "cache_read_tokens": 40,
    }
    return GenerationReport(**{**fields, **overrides})


def compacted() -> list[GenerationRollup]:
    assert flusher.flush()
    compact(now=time.time())
    return list(GenerationRollup.objects.order_by("model", "provider"))


def test_it_rolls_generations_up_by_value_key_and_provider():
    record_generation(report(), at=AT)
    record_generation(
        report(
            model="gpt-4o-mini-2024-07-18",
            outcome="provider_timeout",
            ttft_ms=None,
            duration_ms=30_000.0,
            completion_tokens=0,
            cache_read_tokens=0,
        ),
        at=AT + 5,
    )
    record_generation(report(model="claude-sonnet-4-20250514", provider="Anthropic", regeneration=True), at=AT)

    rows = {(row.model, row.provider): row for row in compacted()}
    mini = rows[(model_label("gpt-4o-mini"), "openAI")]
    assert (mini.count, mini.ok, mini.provider_timeout, mini.regenerations) == (2, 1, 1, 0)
    assert (mini.ttft_count, mini.ttft_sum_ms, mini.duration_sum_ms) == (1, 200, 31_200)
    assert (mini.ttft_le_250, mini.duration_le_1500, mini.duration_le_30000) == (1, 1, 1)
    assert (mini.prompt_tokens, mini.completion_tokens, mini.cache_read_tokens) == (200, 50, 40)
    assert (mini.output_tokens, mini.output_ms) == (50, 1000)  # the timeout produced nothing: not timed
    claude = rows[(model_label("claude-sonnet-4"), "anthropic")]
    assert (claude.count, claude.regenerations) == (1, 1)


def test_unknown_models_and_providers_fold_into_other():
    record_generation(report(model="my-private-llm-7b", provider="someone's endpoint\twith a tab"), at=AT)
    (row,) = compacted()
    assert (row.model, row.provider, row.count) == ("other", "other", 1)


@pytest.mark.usefixtures("no_cached_prices")
def test_a_model_priced_only_by_an_override_counts_under_its_pattern_as_its_spends_do(django_user_model):
    """The Models page joins a model's generations and its spends on the value key: an operator's override
    (bounded: operators define them) names both, so the model's cost per request is found, not folded into
    "other"."""
    PriceOverride.objects.create(pattern="my-private-llm", prompt=1, completion=2, effective_from=timezone.now())
    record_generation(report(model="my-private-llm-7b", provider="custom endpoint"), at=AT)
    spend = ledger.spend_tokens(
        user=django_user_model.objects.create(username="u"), model="my-private-llm-7b", prompt_tokens=10
    )
    (row,) = compacted()
    assert row.model == spend.prompt.value_key == "my-private-llm"
    assert model_label("my-private-llm-7b") == "my-private-llm"


def test_our_own_refusals_are_counted_but_not_timed():
    """A refusal never reached the provider: counted (requests, refused), left out of the duration histogram,
    so it cannot pull the model's duration percentiles below its time to first token."""
    record_generation(report(ttft_ms=600.0, duration_ms=1400.0), at=AT)
    for _ in range(3):
        record_generation(report(outcome="refused", ttft_ms=None, duration_ms=0.0, completion_tokens=0), at=AT)
    (row,) = compacted()
    assert (row.count, row.refused, row.duration_sum_ms) == (4, 3, 1400)
    assert sum(getattr(row, name) for name in generation_fields.DURATION_FIELDS) == 1 == row.duration_le_1500
    sums = {name: getattr(row, name) for name in generation_fields.FIELDS}
    assert figures(sums).duration_p50 > figures(sums).ttft_p50


def test_the_histograms_add_up_to_the_count():
    for duration in (50, 100, 101, 9_999, 200_000):
        record_generation(report(duration_ms=float(duration), ttft_ms=float(duration) / 2), at=AT)
    (row,) = compacted()
    assert sum(getattr(row, name) for name in generation_fields.DURATION_FIELDS) == row.count == 5
    assert sum(getattr(row, name) for name in generation_fields.TTFT_FIELDS) == row.ttft_count == 5
    assert (row.duration_le_100, row.duration_le_250, row.duration_le_10000, row.duration_le_inf) == (2, 1, 1, 1)


@pytest.mark.parametrize(
    "bad",
    [{"outcome": "exploded"}, {"duration_ms": float("nan")}, {"duration_ms": -1.0}, {"ttft_ms": float("inf")},
     {"prompt_tokens": -5}, {"completion_tokens": 1.5}, {"cache_write_tokens": 10**12}, {"duration_ms": True}],
)  # fmt: skip
def test_it_refuses_reports_that_cannot_be_counted(bad):
    with pytest.raises(ValueError):
        report(**bad)


def test_the_last_minutes_include_what_is_still_in_redis():
    record_generation(report())
    flusher.flush()  # in Redis, not compacted: the current minute stays there
    sums = generation_minutes(_minute_ago())
    assert sum(row["count"] for row in sums.values()) == 1
    assert not GenerationRollup.objects.exists()


def _minute_ago():
    import datetime as dt

    return dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)


def test_a_changed_rating_moves_between_the_thumbs_columns():
    record_feedback(message_id="m1", model="gpt-4o", provider="openAI", rating="thumbsUp", tag="helpful")
    record_feedback(message_id="m2", model="gpt-4o", provider="openAI", rating="thumbsUp")
    record_feedback(
        message_id="m1",
        model="gpt-4o",
        provider="openAI",
        rating="thumbsDown",
        tag="com_ui_feedback_tag_lazy",
        text="it stopped half way",
    )
    record_feedback(message_id="m2", model="gpt-4o", provider="openAI", rating=None)  # withdrawn
    flusher.flush()
    minutes = generation_minutes(_minute_ago())
    up = sum(row["thumbs_up"] for row in minutes.values())
    down = sum(row["thumbs_down"] for row in minutes.values())
    assert (up, down) == (0, 1)
    (row,) = MessageFeedback.objects.all()
    assert (row.message_id, row.rating, row.tag, row.text) == ("m1", "thumbsDown", "lazy", "it stopped half way")


def test_a_tag_of_the_other_rating_is_refused():
    with pytest.raises(ValueError, match="tag must be one of"):
        record_feedback(message_id="m1", model="gpt-4o", provider="openAI", rating="thumbsUp", tag="lazy")
    assert not MessageFeedback.objects.exists()


def test_recording_makes_no_network_call(monkeypatch):
    """Only the buffer changes: the flusher thread sends it later."""
    from chatmon.monitoring import store

    monkeypatch.setattr(store, "client", lambda: pytest.fail("a generation must not talk to Redis"))
    record_generation(report())
    assert buffer.drain().generations
