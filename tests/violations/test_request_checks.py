"""Non-browser check with an allowlist, and validate_model with LibreChat's identifier rules."""

from __future__ import annotations

import json

import pytest

from tests.violations.conftest import BROWSER
from violations import guards
from violations.models import Violation

pytestmark = pytest.mark.django_db


@pytest.fixture
def guarded(settings):
    settings.VIOLATIONS_NON_BROWSER_URL_NAMES = ["chatapp:chat"]
    settings.VIOLATIONS_STREAMING_URL_NAMES = ["chatapp:chat"]
    return settings


def test_it_refuses_non_browsers_with_the_librechat_sse_error(guarded, client, member):
    client.force_login(member)
    response = client.post("/chat", HTTP_USER_AGENT="curl/8.5.0")
    assert response.status_code == 200
    error = json.loads(response.content.decode().split("event: error\ndata: ")[1])
    assert error["text"] == '{"message": "Illegal request"}'
    violation = Violation.objects.get()
    assert (violation.type, violation.score, violation.user) == ("non_browser", 20, member)


def test_it_lets_browsers_and_allowlisted_clients_through(guarded, client, member):
    guarded.VIOLATIONS_NON_BROWSER_ALLOWLIST = [r"^MyChatApp/\d"]
    client.force_login(member)
    assert b"event: done" in b"".join(client.post("/chat", HTTP_USER_AGENT=BROWSER).streaming_content)
    allowlisted = client.post("/chat", HTTP_USER_AGENT="MyChatApp/2.1 (Android 14)")
    assert allowlisted.streaming
    b"".join(allowlisted.streaming_content)  # closes it: an open stream would stay counted in flight for later tests
    assert not Violation.objects.exists()


@pytest.mark.parametrize("agent", ["", "curl/8.5.0", "python-requests/2.32", "Googlebot/2.1", "Mozilla/5.0"])
def test_it_classifies_tools_and_bots_as_non_browsers(agent):
    assert not guards.is_browser(agent)


def test_it_validates_model_identifiers_without_scoring_malformed_ones(member):
    allowed = ["gpt-4o", "claude-3.5"]
    assert guards.validate_model(model=None, allowed_models=allowed, user=member).error == "Model not provided"
    assert guards.validate_model(model="bad model!", allowed_models=allowed, user=member).error == (
        "Invalid model identifier")  # fmt: skip
    assert guards.validate_model(model="x" * 257, allowed_models=allowed, user=member).error == (
        "Invalid model identifier")  # fmt: skip
    assert guards.validate_model(model=" gpt-4o ", allowed_models=allowed, user=member) == guards.ModelCheck(
        True, model="gpt-4o")  # fmt: skip
    assert guards.validate_model(model="gpt-4o", allowed_models=[], user=member).error == "Endpoint unavailable"
    assert not Violation.objects.exists()


def test_it_scores_an_illegal_model_request(settings, member):
    settings.VIOLATIONS_SCORES = {"illegal_model_request": 5}
    result = guards.validate_model(model="gpt-5-secret", allowed_models=["gpt-4o"], user=member, ip="203.0.113.9")
    assert result == guards.ModelCheck(False, "Illegal model request", model="gpt-5-secret")
    assert Violation.objects.get().score == 5
