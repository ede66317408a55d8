"""Hostile bodies posted to the feature events endpoint get the same 400/413 JSON answer as every other JSON
endpoint, never a 500 or an HTML page, and count nothing."""

from __future__ import annotations

import json

import pytest

from tests.monitoring.test_feature_events import feature_counts

pytestmark = pytest.mark.django_db

NESTED = "[" * 50_000 + "]" * 50_000  # 100 KB


@pytest.fixture
def post(client, member):
    client.force_login(member)
    return lambda body: client.post("/monitoring/events", body, content_type="application/json")


def assert_refused(response, status: int, error: str) -> str:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == error
    return response.json()["message"]


def test_it_answers_400_json_to_100_kb_of_nested_arrays(post):
    message = assert_refused(post(NESTED), 400, "invalid_json")
    assert message == "The request body is not valid JSON: it nests deeper than 64 levels."
    assert feature_counts() == {}


@pytest.mark.parametrize("raw", ['{"name": "message.copied\\ud83d"}', '{"name": "\\udc00"}'])
def test_it_answers_400_json_to_a_lone_surrogate(post, raw):
    assert "lone surrogate" in assert_refused(post(raw), 400, "invalid_json")
    assert feature_counts() == {}


def test_it_answers_413_json_to_a_10_mb_body(post):
    body = json.dumps({"name": "message.copied", "padding": "x" * (10 * 1024 * 1024)})
    assert "the limit is" in assert_refused(post(body), 413, "too_large")
    assert feature_counts() == {}


def test_it_answers_400_json_to_bytes_that_are_not_utf8(post):
    assert "is not UTF-8" in assert_refused(post(b'{"name": "\xff"}'), 400, "invalid_json")
    assert feature_counts() == {}
