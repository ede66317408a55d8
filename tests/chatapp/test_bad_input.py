"""Bad requests get a 4xx JSON body that says what is wrong, never a 500 or an HTML page."""

from __future__ import annotations

import uuid

import pytest

ROUTES = [
    ("get", "conversations", {}),
    ("post", "conversations", {}),
    ("get", "conversation", {"pk": uuid.uuid4()}),
    ("delete", "conversation", {"pk": uuid.uuid4()}),
    ("get", "messages", {"pk": uuid.uuid4()}),
    ("post", "chat", {}),
    ("post", "logout", {}),
]


@pytest.mark.parametrize(("method", "name", "kwargs"), ROUTES)
def test_it_answers_401_json_to_anonymous_callers(api, method, name, kwargs):
    response = getattr(api, method)(name, **kwargs)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthenticated"


@pytest.mark.parametrize("name", ["register", "login", "password_reset", "password_reset_confirm"])
def test_it_answers_415_to_a_body_that_is_not_json(api, name):
    response = api.client.post(api.url(name), {"username": "x"})  # a form post, as a cross-site page would send
    assert response.status_code == 415
    assert "application/json" in response.json()["message"]


def test_it_answers_415_to_a_chat_that_is_not_json(member_api):
    response = member_api.client.post(member_api.url("chat"), "model=gpt-4o", content_type="text/plain")
    assert response.status_code == 415


@pytest.mark.parametrize(("body", "message"), [("{not json", "not valid JSON"), ("[1, 2]", "must be a JSON object")])
def test_it_answers_400_to_a_body_that_is_not_a_json_object(member_api, body, message):
    response = member_api.client.post(member_api.url("chat"), body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_json"
    assert message in response.json()["message"]


def test_it_names_every_missing_chat_field(member_api):
    response = member_api.post("chat", {})
    assert response.status_code == 400
    assert sorted(response.json()["fields"]) == ["model", "text"]
    assert response.json()["message"] == "invalid fields: model, text"


def test_it_refuses_values_of_the_wrong_json_type_instead_of_coercing_them(member_api):
    response = member_api.post("chat", {"model": ["gpt-4o"], "text": 42, "max_tokens": "10"})
    fields = response.json()["fields"]
    assert response.status_code == 400
    assert "must be a string" in fields["model"] and "must be a string" in fields["text"]
    assert "must be an integer" in fields["max_tokens"]


def test_it_refuses_booleans_as_integers(member_api):
    response = member_api.post("chat", {"model": "gpt-4o", "text": "hi", "max_tokens": True})
    assert response.json()["fields"] == {"max_tokens": ["must be an integer"]}


def test_it_refuses_an_unknown_model_and_names_the_known_ones(member_api):
    response = member_api.post("chat", {"model": "gpt-99", "text": "hi"})
    assert response.status_code == 400
    assert "unknown model 'gpt-99'" in response.json()["fields"]["model"][0]
    assert "gpt-4o-mini" in response.json()["fields"]["model"][0]


def test_it_enforces_the_text_and_max_tokens_limits(member_api, settings):
    settings.CHATAPP_MAX_TEXT_CHARS = 10
    settings.CHATAPP_MAX_TOKENS_LIMIT = 100
    response = member_api.post("chat", {"model": "gpt-4o", "text": "x" * 11, "max_tokens": 101})
    assert sorted(response.json()["fields"]) == ["max_tokens", "text"]
    assert member_api.post("chat", {"model": "gpt-4o", "text": "hi", "max_tokens": 0}).status_code == 400


def test_it_answers_400_to_a_malformed_conversation_id(member_api):
    response = member_api.post("chat", {"model": "gpt-4o", "text": "hi", "conversation_id": "not-a-uuid"})
    assert list(response.json()["fields"]) == ["conversation_id"]


def test_it_answers_404_json_to_an_unknown_conversation(member_api):
    response = member_api.get("conversation", pk=uuid.uuid4())
    assert (response.status_code, response.json()["error"]) == (404, "not_found")


def test_it_answers_405_json_to_a_wrong_method(member_api):
    response = member_api.client.put(member_api.url("conversations"), "{}", content_type="application/json")
    assert response.status_code == 405
    assert response.json()["message"] == "use GET, POST"


def test_it_answers_400_to_a_page_out_of_range(member_api):
    response = member_api.client.get(member_api.url("conversations"), {"page": "99"})
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["page"]


def test_it_answers_413_to_a_body_over_the_upload_limit(member_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = member_api.post("chat", {"model": "gpt-4o", "text": "x" * 200})
    assert response.status_code == 413
