"""POST /api/v1/experiments/<slug>/assignment: the user's variant, the exposure recorded once, 404 JSON for an
unknown experiment, and the tenant rule of every user-naming endpoint."""

from __future__ import annotations

import pytest

from chatmon.analytics import experiments
from chatmon.analytics.models import Experiment, Exposure
from chatmon.api.models import ExternalUser, Scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def prompt_test():
    return Experiment.objects.create(
        slug="new-prompt", name="New prompt", variants=[{"name": "control", "weight": 1}, {"name": "b", "weight": 1}]
    )


def test_it_answers_the_users_variant_and_records_the_exposure_once(make_api, prompt_test):
    api = make_api(Scope.EXPERIMENTS)
    answers = [api.post("experiments/new-prompt/assignment", {"user": "u-7"}) for _ in range(3)]
    assert {response.status_code for response in answers} == {200}
    user = ExternalUser.objects.get(external_id="u-7").user
    expected = experiments.assign(prompt_test, user.pk)
    assert [response.json() for response in answers] == [{"experiment": "new-prompt", "variant": expected}] * 3
    assert list(Exposure.objects.values_list("user_id", "variant")) == [(user.pk, expected)]


def test_an_unknown_experiment_is_a_json_404_and_creates_nobody(make_api):
    response = make_api(Scope.EXPERIMENTS).post("experiments/nope/assignment", {"user": "u-8"})
    assert response.status_code == 404 and "nope" in response.json()["message"]
    assert not ExternalUser.objects.exists()


@pytest.mark.parametrize("body", [{}, {"user": ""}, {"user": {"id": 1}}, {"user": "x" * 10_000}, [], "u"])
def test_a_bad_body_is_a_400(make_api, prompt_test, body):
    response = make_api(Scope.EXPERIMENTS).post("experiments/new-prompt/assignment", body)
    assert response.status_code == 400, response.content
    assert not Exposure.objects.exists()


def test_a_key_names_only_users_of_its_own_source(make_api, prompt_test):
    api = make_api(Scope.EXPERIMENTS, source="tenant-b")
    response = api.post("experiments/new-prompt/assignment", {"user": "victim", "source": "tenant-a"})
    assert response.status_code == 403
    assert not Exposure.objects.exists()
