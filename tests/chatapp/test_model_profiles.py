"""The fake provider's per-model profiles show on the Models figures: chats through the chat app, with the
demo's waits (scaled down), come out with each model's time to first token, provider and cost in the order the
profiles and prices say."""

from __future__ import annotations

import datetime as dt

import pytest

from chatmon.dashboards import modelfigures as mf
from chatmon.monitoring import flusher
from chatmon.monitoring.aggregator import buffer
from chatmon.monitoring.generations import model_label
from examples.chatapp.provider import PROFILES
from tests.monitoring.conftest import delete_monitoring_keys

pytestmark = pytest.mark.django_db
MODELS = ("gpt-4o-mini", "claude-3-5-haiku", "gpt-4o", "claude-sonnet-4")  # fastest first token first


def test_models_differ_as_their_profiles_say(member_api, settings):
    buffer.drain()
    delete_monitoring_keys()
    settings.CHATAPP_FAKE_DELAY_MS = 4
    since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    for model in MODELS:
        for i in range(3):
            assert member_api.chat(model=model, text=f"profile question {i}", max_tokens=16)[-1].data.get("final")
    flusher.flush()
    rows = mf.rows_since(since)
    per_model = mf.totals(rows, "model")
    spends = mf.spends(since)

    mean_ttft = [per_model[model_label(m)]["ttft_sum_ms"] / per_model[model_label(m)]["ttft_count"] for m in MODELS]
    assert mean_ttft == sorted(mean_ttft), dict(zip(MODELS, mean_ttft, strict=True))
    assert mean_ttft[0] >= PROFILES["gpt-4o-mini"].first_token_delays * 4
    providers = {model: provider for _, model, provider in rows}
    assert providers == {model_label(m): PROFILES[m].provider for m in MODELS}
    cost = {m: mf.figures(per_model[model_label(m)], spends[model_label(m)]).cost_per_request for m in MODELS}
    assert cost["gpt-4o"] > cost["gpt-4o-mini"] and cost["claude-sonnet-4"] > cost["claude-3-5-haiku"]
    buffer.drain()
