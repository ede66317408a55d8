"""Every reply of the chat app is reported to chatmon as a generation, however it ends, and ratings on replies
are recorded per model: through the real views, the monitoring buffer, Redis and compaction."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.test import override_settings

from chatmon.monitoring import flusher
from chatmon.monitoring.compaction import compact
from chatmon.monitoring.generations import model_label
from chatmon.monitoring.models import GenerationRollup, MessageFeedback
from chatmon.monitoring.recent_generations import generation_minutes
from examples.chatapp.models import Message
from examples.chatapp.provider import FakeStream, ProviderRateLimit

pytestmark = pytest.mark.usefixtures("clean_monitoring")


def sums(model: str) -> dict:
    """The model's rollup fields over the last minutes, what is still in Redis included."""
    flusher.flush()
    since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    out: dict = {}
    for (_, name, provider), row in generation_minutes(since).items():
        if name == model_label(model):
            out["provider"] = provider
            for field, value in row.items():
                out[field] = out.get(field, 0) + value
    return out


@pytest.mark.django_db
def test_a_complete_reply_is_an_ok_generation_with_its_tokens(member_api):
    events = member_api.chat(model="claude-sonnet-4", text="tell me about caches")
    usage = events[-1].data["usage"]
    row = sums("claude-sonnet-4")
    assert (row["provider"], row["count"], row["ok"], row["ttft_count"]) == ("anthropic", 1, 1, 1)
    assert row["prompt_tokens"] == usage["input_tokens"] + usage["cache_read_input_tokens"] + usage[
        "cache_creation_input_tokens"]  # fmt: skip
    assert row["completion_tokens"] == usage["output_tokens"]
    assert row["cache_read_tokens"] == usage["cache_read_input_tokens"]

    compact(now=time.time() + 120)  # the minute is over: it moves to the database
    assert GenerationRollup.objects.get(model=model_label("claude-sonnet-4")).count == 1


@pytest.mark.django_db
def test_a_provider_failure_is_reported_with_its_class(member_api, settings):
    settings.CHATAPP_FAKE_FAILURE_RATE = 1.0
    assert member_api.chat(model="gpt-4o", text="fail please")[-1].event == "error"
    assert sums("gpt-4o")["provider_error"] == 1


@pytest.mark.django_db
def test_a_models_profile_rate_limits_before_any_token(member_api, settings):
    settings.CHATAPP_FAKE_MODEL_FAILURES = True
    text = next(
        f"question {i}"
        for i in range(10_000)
        if FakeStream(model="claude-sonnet-4", text=f"question {i}", max_tokens=512).failure is ProviderRateLimit
    )
    events = member_api.chat(model="claude-sonnet-4", text=text)
    assert events[-1].event == "error"
    row = sums("claude-sonnet-4")
    assert (row["provider_rate_limit"], row["ttft_count"], row["completion_tokens"]) == (1, 0, 0)


@pytest.mark.django_db(transaction=True)
def test_a_reply_the_user_left_is_cancelled(member_api):
    response = member_api.post("chat", {"model": "gpt-4o-mini", "text": "never mind"})
    response.close()
    assert Message.objects.get(role="assistant").status == "disconnected"
    row = sums("gpt-4o-mini")
    assert (row["count"], row["cancelled"]) == (1, 1)


@pytest.mark.django_db
@override_settings(LEDGER_BALANCE_ENABLED=True, LEDGER_START_BALANCE=0, LEDGER_AUTO_REFILL_ENABLED=False)
def test_a_balance_denial_is_our_own_refusal(member_api):
    assert member_api.chat(model="gpt-4o", text="no credits", regenerate=True)[-1].event == "error"
    row = sums("gpt-4o")
    assert (row["refused"], row["regenerations"], row["duration_sum_ms"]) == (1, 1, 0)


@pytest.mark.django_db
def test_regenerate_must_be_a_boolean(member_api):
    response = member_api.post("chat", {"model": "gpt-4o", "text": "again", "regenerate": "yes"})
    assert response.status_code == 400
    assert response.json()["fields"] == {"regenerate": ["must be true or false"]}


@pytest.mark.django_db
def test_a_rating_on_a_reply_is_counted_for_its_model(member_api):
    events = member_api.chat(model="gpt-4o", text="rate me")
    final = events[-1].data
    ids = {"conversation_id": final["conversation"]["id"], "message_id": final["responseMessage"]["id"]}
    response = member_api.client.put(
        member_api.url("feedback", **ids), {"feedback": {"rating": "thumbsDown", "tag": "com_ui_feedback_tag_lazy",
                                                         "text": "<b>too short</b>"}},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 200, response.content
    row = MessageFeedback.objects.get()
    assert (row.model, row.provider, row.rating, row.tag, row.text) == (
        model_label("gpt-4o"),
        "openAI",
        "thumbsDown",
        "lazy",
        "<b>too short</b>",
    )
    assert sums("gpt-4o")["thumbs_down"] == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body, field",
    [({"feedback": {"rating": "meh"}}, "rating"), ({"feedback": {"rating": "thumbsUp", "tag": "lazy"}}, "tag"),
     ({"feedback": "thumbsUp"}, "feedback"), ({"feedback": {"rating": "thumbsUp", "text": "x" * 5000}}, "text"),
     ({"feedback": {"rating": ["thumbsUp"]}}, "rating")],
)  # fmt: skip
def test_bad_feedback_is_a_400_naming_the_field(member_api, body, field):
    final = member_api.chat(model="gpt-4o", text="rate me badly")[-1].data
    ids = {"conversation_id": final["conversation"]["id"], "message_id": final["responseMessage"]["id"]}
    response = member_api.client.put(member_api.url("feedback", **ids), body, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not MessageFeedback.objects.exists()


@pytest.mark.django_db
def test_nobody_rates_another_users_reply(member_api, other_api):
    final = member_api.chat(model="gpt-4o", text="mine")[-1].data
    ids = {"conversation_id": final["conversation"]["id"], "message_id": final["responseMessage"]["id"]}
    response = other_api.client.put(other_api.url("feedback", **ids), {"feedback": {"rating": "thumbsUp"}},
                                    content_type="application/json")  # fmt: skip
    assert response.status_code == 404
    assert not MessageFeedback.objects.exists()
