"""The `self` endpoints: one user's own usage and spending cap, for end-user-facing keys."""

from __future__ import annotations

import json

import pytest

from chatmon.api import users
from ledger import money
from ledger.models import Transaction

pytestmark = pytest.mark.django_db


def send(api, method: str, path: str, body) -> object:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    call = getattr(api.client, method)
    return call(f"/api/v1/{path}", data=data, content_type="application/json", headers=api.headers({}))


def charged(user, **filters) -> float:
    return -sum(Transaction.objects.spends().filter(user=user, **filters).values_list("token_value", flat=True))


def test_it_reads_the_named_users_usage_against_the_ledger_rows(make_api, balances_on):
    writer, reader = make_api("ledger:write", "ledger:grant"), make_api("self:read")
    writer.post("grants", {"user": "u1", "amount": 1_000_000, "reason": "test funds"})
    for index, model in enumerate(["gpt-4o", "gpt-4o", "claude-3-5-haiku"]):
        writer.post(
            "spends",
            {
                "user": "u1",
                "model": model,
                "prompt_tokens": 1000,
                "completion_tokens": 200,
                "message_id": f"m{index}",
                "conversation_id": f"c{index % 2}",
            },
        )
    writer.post(
        "spends/calls",
        {
            "user": "u1",
            "message_id": "m0",
            "conversation_id": "c0",
            "items": [{"kind": "web_search", "name": "openai", "quantity": 1}],
        },
    )
    writer.post("spends", {"user": "someone-else", "model": "gpt-4o", "prompt_tokens": 99, "message_id": "x"})
    response = reader.get("self/usage", {"user": "u1", "page_size": 2})
    assert response.status_code == 200, response.content
    body = response.json()
    user = users.find(source=body["source"], external_id="u1")
    total = charged(user)
    assert body["account"]["credits"] == pytest.approx(1_020_000 - total)
    assert body["account"]["money"] == money.round_money(body["account"]["credits"])
    assert sum(day["credits"] for day in body["spend_by_day"]) == pytest.approx(total)
    assert len(body["spend_by_day"]) == 30
    by_model = {row["model"]: row["credits"] for row in body["spend_by_model"]}
    assert by_model["claude-3-5-haiku"] == pytest.approx(charged(user, model="claude-3-5-haiku"))
    assert {row["conversation_id"]: row["credits"] for row in body["conversations"]} == {
        "c0": pytest.approx(charged(user, conversation_id="c0")),
        "c1": pytest.approx(charged(user, conversation_id="c1")),
    }
    page = body["messages"]
    assert (len(page["messages"]), page["has_next"]) == (2, True)
    more = reader.get("self/usage", {"user": "u1", "page_size": 2, "page": 2}).json()["messages"]
    costs = {row["message_id"]: row["credits"] for row in page["messages"] + more["messages"]}
    assert costs == {f"m{i}": pytest.approx(charged(user, message_id=f"m{i}")) for i in range(3)}
    assert "x" not in costs  # another user's message


def test_a_self_key_reads_nothing_else(make_api):
    reader = make_api("self:read")
    for path in ("balance", "transactions"):
        assert reader.get(path, {"user": "u1"}).status_code == 403
    assert send(reader, "put", "self/cap", {"user": "u1", "period": "day", "credits": 5}).status_code == 403
    assert make_api("ledger:read").get("self/usage", {"user": "u1"}).status_code == 403
    # A user never seen reads zeros, and is not created by the read.
    body = reader.get("self/usage", {"user": "nobody"}).json()
    assert body["account"]["credits"] == 0 and body["conversations"] == []
    assert users.find(source=body["source"], external_id="nobody") is None


def test_the_user_sets_and_removes_their_cap_and_the_check_enforces_it(make_api, balances_on):
    api = make_api("self:write", "self:read", "ledger:write")
    response = send(api, "put", "self/cap", {"user": "u1", "period": "day", "credits": 1000})
    assert response.status_code == 200, response.content
    assert response.json()["cap"] == {
        "period": "day",
        "credits": 1000.0,
        "money": money.round_money(1000),
        "spent": 0.0,
        "remaining": 1000.0,
    }
    check = api.post("balance/check", {"user": "u1", "model": "gpt-4o", "amount": 1000}).json()
    assert not check["allowed"] and check["denial"]["type"] == "spend_cap"
    patched = send(api, "patch", "self/cap", {"user": "u1", "credits": 5000}).json()["cap"]
    assert (patched["period"], patched["credits"]) == ("day", 5000.0)
    assert api.post("balance/check", {"user": "u1", "model": "gpt-4o", "amount": 1000}).json()["allowed"]
    assert send(api, "put", "self/cap", {"user": "u1", "period": None, "credits": None}).json()["cap"] is None
    assert api.get("self/usage", {"user": "u1"}).json()["account"]["cap"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "2026-13-01"}, "start"),
        ({"start": "2026-03-02", "end": "2026-03-01"}, "start"),
        ({"start": "2020-01-01", "end": "2026-01-01"}, "start"),
        ({"start": "0001-01-01", "end": "0001-01-02"}, "start"),
        ({"end": "9999-12-31"}, "start"),
        ({"page": "0"}, "page"),
        ({"page": "1e9"}, "page"),
        ({"page_size": "201"}, "page_size"),
        ({"user": "x" * 300}, "user"),
    ],
)
def test_a_bad_usage_query_is_a_400_naming_the_field(make_api, query, field):
    response = make_api("self:read").get("self/usage", {"user": "u1", **query})
    assert response.status_code == 400, response.content
    assert field in {error["field"] for error in response.json()["errors"]}


@pytest.mark.parametrize(
    "body",
    [
        {"user": "u1", "period": "week", "credits": 5},
        {"user": "u1", "period": "day", "credits": -1},
        {"user": "u1", "period": "day", "credits": 1e300},
        {"user": "u1", "period": "day", "credits": "NaN"},
        {"user": "u1", "period": "day"},
        {"period": "day", "credits": 5},
        [1, 2, 3],
        "{not json",
    ],
)
def test_a_bad_cap_is_a_4xx_json(make_api, body):
    api = make_api("self:write")
    for method in ("put", "patch"):
        response = send(api, method, "self/cap", body)
        assert 400 <= response.status_code < 500, (method, body, response.content)
        assert response.json()["message"]


def test_a_cap_with_only_one_half_is_refused(make_api):
    response = send(make_api("self:write"), "patch", "self/cap", {"user": "u1", "credits": 5})
    assert response.status_code == 422
    assert "period" in response.json()["message"]


def test_the_schema_documents_the_self_endpoints(api):
    schema = api.client.get("/api/v1/schema/?format=json").json()
    assert {"get"} <= set(schema["paths"]["/api/v1/self/usage"])
    assert {"put", "patch"} <= set(schema["paths"]["/api/v1/self/cap"])
