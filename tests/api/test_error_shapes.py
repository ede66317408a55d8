"""Bad input is a 4xx JSON body with the request id (body and header), never a 500."""

from __future__ import annotations

import pytest
import time_machine

from chatmon.api.models import ApiKey

pytestmark = pytest.mark.django_db


def assert_shape(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["request_id"] == response["X-Request-ID"] and body["message"]
    return body


def test_it_answers_400_to_malformed_json(api):
    assert "not valid JSON" in assert_shape(api.post("grants", "{not json"), 400)["message"]


def test_it_answers_400_naming_nested_fields(api):
    body = assert_shape(api.post("spends", {"user": "u", "model": "m", "prompt_tokens": {"read": "x"}}), 400)
    assert body["errors"] == [{"field": "prompt_tokens.read", "message": "A valid number is required."}]


def test_it_answers_400_for_a_body_that_is_not_an_object(api):
    body = assert_shape(api.post("grants", [1, 2]), 400)
    assert body["errors"][0]["field"] == ""


def test_it_answers_415_to_a_body_that_is_not_json(api):
    response = api.client.post("/api/v1/grants", data="user=u1", content_type="text/plain", headers=api.headers({}))
    assert_shape(response, 415)


@pytest.mark.parametrize("accept", ["text/html", "application/xml", "nonsense/;;;", "*/*"])
def test_it_answers_json_whatever_accept_says(api, accept):
    response = api.post("spends", {"user": "u", "model": "gpt-4o", "prompt_tokens": 1}, Accept=accept)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response.json()["prompt"]["token_type"] == "prompt"


def test_it_answers_413_to_a_body_over_the_limit(api, settings):
    settings.API_MAX_BODY_BYTES = 100
    body = assert_shape(api.post("grants", {"user": "u1", "amount": 1, "reason": "x" * 200}), 413)
    assert "limit is 100" in body["message"]


# Inside one calendar minute, so the fixed window cannot roll over between the requests.
MID_MINUTE = "2026-01-01T12:00:30Z"


@time_machine.travel(MID_MINUTE, tick=False)
def test_it_answers_429_past_the_keys_rate_limit(make_api):
    api = make_api("ledger:read", rate_limit_per_minute=3)
    statuses = [api.get("balance", {"user": "u1"}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = api.get("balance", {"user": "u1"})
    assert_shape(response, 429)
    assert response["Retry-After"] == "30"


@time_machine.travel(MID_MINUTE, tick=False)
def test_it_uses_the_default_rate_limit_unless_the_key_sets_one(make_api, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 1
    api = make_api("ledger:read")
    assert [api.get("balance", {"user": "u1"}).status_code for _ in range(2)] == [200, 429]
    unlimited = make_api("ledger:read", rate_limit_per_minute=0)
    assert {unlimited.get("balance", {"user": "u1"}).status_code for _ in range(3)} == {200}
    assert ApiKey.objects.count() == 2


def test_it_answers_400_to_bad_query_parameters(api):
    body = assert_shape(api.get("bans/check", {"ip": "not-an-ip"}), 400)
    assert body["errors"][0]["field"] == "ip"
    assert_shape(api.get("bans/check"), 400)


def test_it_answers_json_404_for_unknown_api_paths(api):
    assert "No API endpoint" in assert_shape(api.get("nowhere/at/all"), 404)["message"]
