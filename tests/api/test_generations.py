"""Generations and ratings reported over the HTTP API land in the same rollups and metrics as the chat app's:
single and batch, with every hostile input a 4xx JSON body naming the field."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from prometheus_client import REGISTRY

from chatmon.api.models import Scope
from chatmon.monitoring import flusher
from chatmon.monitoring.aggregator import buffer
from chatmon.monitoring.batched import generation_metrics
from chatmon.monitoring.compaction import compact
from chatmon.monitoring.generations import model_label
from chatmon.monitoring.models import GenerationRollup, MessageFeedback

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_monitoring")]

GENERATION = {"model": "gpt-4o-2024-08-06", "endpoint": "openAI", "outcome": "ok", "ttft_ms": 420.0,
              "duration_ms": 2100.0, "prompt_tokens": 900, "completion_tokens": 300, "cache_read_tokens": 512,
              "request_id": "req-1"}  # fmt: skip


@pytest.fixture
def writer(make_api):
    return make_api(Scope.GENERATIONS_WRITE)


def rollups() -> dict:
    flusher.flush()
    compact(now=time.time() + 120)
    return {(row.model, row.provider): row for row in GenerationRollup.objects.all()}


def test_one_generation_is_counted_under_its_value_key(writer):
    response = writer.post("generations", GENERATION)
    assert response.status_code == 200, response.content
    assert response.json() == {"model": model_label("gpt-4o"), "provider": "openAI"}
    row = rollups()[(model_label("gpt-4o"), "openAI")]
    assert (row.count, row.ok, row.ttft_sum_ms, row.duration_sum_ms) == (1, 1, 420, 2100)
    assert (row.prompt_tokens, row.completion_tokens, row.cache_read_tokens) == (900, 300, 512)
    assert (row.output_tokens, row.output_ms) == (300, 1680)


def test_a_batch_counts_its_good_items_and_names_the_bad_ones(writer):
    items = [
        GENERATION,
        {**GENERATION, "outcome": "provider_timeout", "ttft_ms": None, "completion_tokens": 0},
        {**GENERATION, "outcome": "melted"},
        {**GENERATION, "endpoint": "my-own-gateway", "model": "llama-x"},
    ]
    body = writer.post("generations/batch", {"generations": items}).json()
    assert (body["succeeded"], body["failed"]) == (3, 1)
    assert body["results"][2]["status"] == 400 and "outcome" in str(body["results"][2])
    rows = rollups()
    gpt = rows[(model_label("gpt-4o"), "openAI")]
    assert (gpt.count, gpt.ok, gpt.provider_timeout) == (2, 1, 1)
    assert rows[("other", "other")].count == 1


def test_generations_reach_the_prometheus_series(writer):
    before = REGISTRY.get_sample_value(
        "chatmon_llm_generations_total", {"model": model_label("gpt-4o"), "provider": "openAI", "outcome": "ok"}
    ) or 0.0  # fmt: skip
    writer.post("generations", GENERATION)
    generation_metrics.sync()
    labels = {"model": model_label("gpt-4o"), "provider": "openAI"}
    after = REGISTRY.get_sample_value("chatmon_llm_generations_total", {**labels, "outcome": "ok"})
    assert after == before + 1
    assert REGISTRY.get_sample_value("chatmon_llm_time_to_first_token_seconds_count", labels) >= 1
    assert REGISTRY.get_sample_value("chatmon_llm_tokens_total", {**labels, "type": "cache_read"}) >= 512


@pytest.mark.parametrize(
    "change, field",
    [({"duration_ms": -1}, "duration_ms"), ({"duration_ms": "NaN"}, "duration_ms"), ({"ttft_ms": 1e300}, "ttft_ms"),
     ({"ttft_ms": 5000.0}, "ttft_ms"), ({"prompt_tokens": 10**15}, "prompt_tokens"),
     ({"completion_tokens": 1.5}, "completion_tokens"), ({"cache_read_tokens": 5000}, "cache_read_tokens"),
     ({"model": "x" * 300}, "model"), ({"model": "\u0000evil"}, "model"), ({"endpoint": ["openAI"]}, "endpoint"),
     ({"outcome": None}, "outcome"), ({"request_id": "a b\nc"}, "request_id"), ({"at": "2001-01-01T00:00:00Z"}, "at"),
     ({"regeneration": {"x": 1}}, "regeneration")],
)  # fmt: skip
def test_hostile_generations_are_400s_naming_the_field(writer, change, field):
    response = writer.post("generations", {**GENERATION, **change})
    assert response.status_code == 400, response.content
    assert field in str(response.json())
    assert not buffer.drain().generations


def test_a_body_that_is_not_an_object_is_a_4xx(writer):
    for body in ("[1, 2]", "null", '{"generations": ' + "[" * 5000 + "]" * 5000 + "}", "not json"):
        response = writer.post("generations", body)
        assert 400 <= response.status_code < 500 and response.json(), body
    assert writer.post("generations/batch", {"generations": []}).status_code == 400


def test_other_scopes_may_not_report(make_api):
    assert make_api(Scope.EVENTS_WRITE).post("generations", GENERATION).status_code == 403
    assert make_api(None).post("feedback", {}).status_code == 401


def test_a_rating_is_kept_per_source_and_replaced_by_a_second_one(writer, make_api):
    rating = {"message_id": "msg-1", "model": "gpt-4o", "endpoint": "openAI", "rating": "thumbsUp",
              "tag": "com_ui_feedback_tag_helpful", "text": "great"}  # fmt: skip
    assert writer.post("feedback", rating).status_code == 200
    assert (
        writer.post("feedback", {**rating, "rating": "thumbsDown", "tag": "incorrect", "text": ""}).status_code == 200
    )
    # Another tenant's key with the same message id rates its own message, not this one.
    other = make_api(Scope.GENERATIONS_WRITE, source="othertenant")
    assert other.post("feedback", rating).status_code == 200
    rows = {(row.source, row.message_id): row for row in MessageFeedback.objects.all()}
    assert len(rows) == 2
    mine = next(row for (source, _), row in rows.items() if source != "othertenant")
    assert (mine.rating, mine.tag) == ("thumbsDown", "incorrect")
    row = rollups()[(model_label("gpt-4o"), "openAI")]
    assert (row.thumbs_up, row.thumbs_down) == (1, 1)  # the tenant's up; ours moved from up to down


@pytest.mark.parametrize(
    "change, field",
    [({"rating": "meh"}, "rating"), ({"tag": "lazy"}, "tag"), ({"text": "x" * 5000}, "text"),
     ({"message_id": ""}, "message_id"), ({"source": "Not A Source!"}, "source")],
)  # fmt: skip
def test_hostile_ratings_are_400s(writer, change, field):
    rating = {"message_id": "msg-1", "model": "gpt-4o", "endpoint": "openAI", "rating": "thumbsUp"}
    response = writer.post("feedback", {**rating, **change})
    assert response.status_code == 400, response.content
    assert field in str(response.json())
    assert not MessageFeedback.objects.exists()


def test_a_rating_naming_another_source_needs_the_scope(writer):
    rating = {"message_id": "m", "model": "gpt-4o", "endpoint": "openAI", "rating": "thumbsUp", "source": "email"}
    assert writer.post("feedback", rating).status_code == 403


def test_an_old_generation_is_counted_in_its_own_minute(writer):
    at = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).replace(second=30, microsecond=0)
    assert writer.post("generations", {**GENERATION, "at": at.isoformat()}).status_code == 200
    (row,) = rollups().values()
    assert row.minute == at.replace(second=0)
