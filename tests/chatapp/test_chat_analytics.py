"""A chat turn feeds the analytics: a `chat.turn` feature event, and the user's exposure to the demo
experiment when it runs (none, and no error, when it does not)."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from chatmon.analytics import experiments
from chatmon.analytics.models import Experiment, Exposure
from examples.chatapp.analytics import EXPERIMENT, TURN_EVENT

pytestmark = pytest.mark.django_db


def chat(api) -> None:
    response = api.post("chat", {"model": "gpt-4o", "text": "hello", "max_tokens": 5})
    assert response.status_code == 200
    b"".join(response.streaming_content)


def test_a_turn_records_the_exposure_once_and_counts_a_feature_event(member_api, member):
    demo = Experiment.objects.create(slug=EXPERIMENT, name="demo", variants=[{"name": "control", "weight": 1},
                                                                            {"name": "b", "weight": 1}])  # fmt: skip

    def turns() -> float:
        return REGISTRY.get_sample_value("chatmon_feature_events_total", {"name": TURN_EVENT}) or 0.0

    before = turns()
    chat(member_api)
    chat(member_api)
    assert list(Exposure.objects.values_list("user_id", "variant")) == [
        (member.pk, experiments.assign(demo, member.pk))
    ]
    assert turns() == before + 2


def test_without_the_experiment_a_turn_still_works(member_api):
    chat(member_api)
    assert not Exposure.objects.exists()
