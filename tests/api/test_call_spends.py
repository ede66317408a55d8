"""POST /spends/calls and /spends/calls/batch: priced calls through the HTTP API, single and batch; a message
is charged once per item; bad input is a 4xx JSON naming the field, never a 500, and writes nothing."""

from __future__ import annotations

import json

import pytest

from chatmon.api.models import Scope
from ledger.models import Transaction

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_cached_prices")]

IMAGE = {"kind": "image", "name": "dall-e-3", "size": "1024x1024", "quality": "hd"}
SEARCHES = {"kind": "web_search", "name": "openai", "quantity": 3}


@pytest.fixture
def funded_api(api, balances_on):
    assert api.post("grants", {"user": "u1", "amount": 1_000_000}).status_code == 200
    return api


def test_it_charges_priced_calls(funded_api):
    response = funded_api.post(
        "spends/calls", {"user": "u1", "items": [IMAGE, SEARCHES], "message_id": "m1", "conversation_id": "c1"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    image, searches = body["rows"]
    assert (image["token_type"], image["item"], image["rate"], image["raw_amount"], image["token_value"]) == (
        "call", "image:dall-e-3:1024x1024:hd", 80_000, -1, -80_000
    )  # fmt: skip
    assert (searches["item"], searches["value_key"], searches["token_value"]) == (
        "web_search:openai", "web_search:openai", -30_000
    )  # fmt: skip
    assert (searches["message_id"], searches["conversation_id"]) == ("m1", "c1")
    assert body["credits"] == 110_000 and body["balance"] == 1_020_000 - 110_000  # start balance 20,000


def test_it_charges_each_item_of_a_message_once(funded_api):
    spend = {"user": "u1", "items": [IMAGE], "message_id": "m2"}
    first = funded_api.post("spends/calls", spend).json()
    again = funded_api.post("spends/calls", spend).json()
    assert again["rows"][0]["id"] == first["rows"][0]["id"]
    assert again["balance"] == first["balance"]
    assert Transaction.objects.filter(token_type="call").count() == 1


def test_call_rows_are_listed_with_the_users_transactions(funded_api):
    funded_api.post("spends/calls", {"user": "u1", "items": [SEARCHES]})
    newest = funded_api.get("transactions", {"user": "u1"}).json()["results"][0]
    assert (newest["token_type"], newest["item"], newest["raw_amount"]) == ("call", "web_search:openai", -3)


def test_a_balance_check_holds_the_calls_it_announces(api, balances_on):
    """The start balance (20,000) covers the prompt, not an hd image (80,000): denied with the whole cost; with
    credits, admitted and held for both, and the message's token spend settles that one hold."""
    check = {"user": "u1", "model": "gpt-4o", "amount": 100, "items": [IMAGE]}
    denied = api.post("balance/check", check).json()
    assert (denied["allowed"], denied["token_cost"], denied["hold_id"]) == (False, 80_250, None)

    api.post("grants", {"user": "u1", "amount": 1_000_000})
    admitted = api.post("balance/check", check).json()
    assert admitted["allowed"] and admitted["token_cost"] == 80_250
    assert api.get("balance", {"user": "u1"}).json()["held_credits"] == 80_250
    api.post("spends", {"user": "u1", "model": "gpt-4o", "prompt_tokens": 100, "message_id": "m9"})
    api.post("spends/calls", {"user": "u1", "items": [IMAGE], "message_id": "m9"})
    assert api.get("balance", {"user": "u1"}).json()["held_credits"] == 0


def test_a_balance_check_refuses_bad_items_by_name(api, balances_on):
    response = api.post("balance/check", {"user": "u1", "model": "gpt-4o", "amount": 1, "items": [{"kind": "x"}]})
    assert response.status_code == 400 and "items" in json.dumps(response.json())


def test_a_free_endpoint_records_calls_at_no_charge(funded_api, settings):
    settings.LEDGER_FREE_ENDPOINTS = ["ollama"]
    body = funded_api.post("spends/calls", {"user": "u1", "items": [IMAGE], "endpoint": "ollama"}).json()
    assert body["rows"][0]["rate"] == 0 and body["credits"] == 0 and body["balance"] == 1_020_000


def test_it_reports_batch_items_one_by_one(funded_api):
    items = [
        {"user": "u1", "items": [IMAGE], "message_id": "b1"},
        {"user": "u1", "items": [{"kind": "fax"}]},
        {"user": "u1", "items": [{**IMAGE, "quantity": 10**7}]},
        "not an object",
        {"user": "u2", "items": [SEARCHES], "message_id": "b2"},
        {"user": "u1", "items": [IMAGE], "message_id": "b1"},
        {"user": "victim", "source": "tenant-a", "items": [SEARCHES]},
    ]
    body = funded_api.post("spends/calls/batch", {"items": items}).json()
    assert (body["succeeded"], body["failed"]) == (4, 3)
    results = body["results"]
    assert [r["ok"] for r in results] == [True, False, False, False, True, True, True]
    assert results[1]["status"] == 400 and results[1]["errors"][0]["field"] == "items.0.kind"
    assert results[2]["errors"][0]["field"] == "items.0.quantity"
    assert results[5]["result"]["rows"][0]["id"] == results[0]["result"]["rows"][0]["id"]
    assert Transaction.objects.filter(token_type="call").count() == 3


def test_a_key_of_one_source_cannot_charge_another_sources_users(make_api, balances_on):
    tenant_b = make_api(Scope.LEDGER_WRITE, source="tenant-b")
    single = tenant_b.post("spends/calls", {"user": "victim", "source": "tenant-a", "items": [SEARCHES]})
    assert single.status_code == 403 and single["Content-Type"] == "application/json"
    batch = tenant_b.post(
        "spends/calls/batch", {"items": [{"user": "victim", "source": "tenant-a", "items": [SEARCHES]}]}
    ).json()
    assert batch["results"][0]["status"] == 403
    assert not Transaction.objects.exists()


def test_it_needs_the_ledger_write_scope(make_api):
    reader = make_api(Scope.LEDGER_READ)
    assert reader.post("spends/calls", {"user": "u1", "items": [SEARCHES]}).status_code == 403
    assert reader.post("spends/calls/batch", {"items": [{"user": "u1", "items": [SEARCHES]}]}).status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"user": "u1"}, "items"),
        ({"user": "u1", "items": []}, "items"),
        ({"user": "u1", "items": {"kind": "image"}}, "items"),
        ({"user": "u1", "items": "web_search"}, "items"),
        ({"user": "u1", "items": [SEARCHES] * 101}, "items"),
        ({"user": "u1", "items": [["web_search"]]}, "items.0"),
        ({"user": "u1", "items": [{"kind": "fax"}]}, "items.0.kind"),
        ({"user": "u1", "items": [{"kind": {"nested": "web_search"}}]}, "items.0.kind"),
        ({"user": "u1", "items": [{"kind": "web_search", "price": 0}]}, "items.0.price"),
        ({"user": "u1", "items": [{"kind": "web_search", "name": {"a": {"b": 1}}}]}, "items.0.name"),
        ({"user": "u1", "items": [{"kind": "web_search", "name": "x" * 101}]}, "items.0.name"),
        ({"user": "u1", "items": [{"kind": "image"}]}, "items.0.name"),
        ({"user": "u1", "items": [{"kind": "tool", "name": None}]}, "items.0.name"),
        ({"user": "u1", "items": [{"kind": "web_search", "size": "1024x1024"}]}, "items.0.size"),
        ({"user": "u1", "items": [{**SEARCHES, "quantity": 0}]}, "items.0.quantity"),
        ({"user": "u1", "items": [{**SEARCHES, "quantity": -5}]}, "items.0.quantity"),
        ({"user": "u1", "items": [{**SEARCHES, "quantity": 1.5}]}, "items.0.quantity"),
        ({"user": "u1", "items": [{**SEARCHES, "quantity": 1e300}]}, "items.0.quantity"),
        ({"user": "u1", "items": [{**SEARCHES, "quantity": 10**30}]}, "items.0.quantity"),
        ({"user": "u1", "items": [{**SEARCHES, "quantity": True}]}, "items.0.quantity"),
        ({"user": "u1", "items": [{**SEARCHES, "quantity": [1]}]}, "items.0.quantity"),
        ({"user": "u1", "items": [SEARCHES], "message_id": {"id": 1}}, "message_id"),
        ({"user": {"id": "u1"}, "items": [SEARCHES]}, "user"),
    ],
)
def test_it_refuses_bad_input_with_a_json_400_naming_the_field(funded_api, body, field):
    response = funded_api.post("spends/calls", body)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert field in [error["field"] for error in response.json()["errors"]]
    assert not Transaction.objects.filter(token_type="call").exists()


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_it_refuses_non_finite_quantities(funded_api, literal):
    raw = '{"user": "u1", "items": [{"kind": "web_search", "quantity": QUANTITY}]}'.replace("QUANTITY", literal)
    response = funded_api.post("spends/calls", raw)
    assert 400 <= response.status_code < 500
    assert response["Content-Type"] == "application/json"
    assert not Transaction.objects.filter(token_type="call").exists()


def test_a_merged_quantity_beyond_the_limit_is_a_422(funded_api):
    big = {**SEARCHES, "quantity": 600_000}
    response = funded_api.post("spends/calls", {"user": "u1", "items": [big, big]})
    assert response.status_code == 422 and "beyond the limit" in response.json()["message"]


def test_the_schema_documents_both_endpoints(api):
    schema = json.loads(api.get("schema/", {"format": "json"}).content)
    assert schema["paths"]["/api/v1/spends/calls"]["post"]["operationId"] == "spend_calls"
    assert schema["paths"]["/api/v1/spends/calls/batch"]["post"]["operationId"] == "spend_calls_batch"
    item = schema["components"]["schemas"]["CallItem"]
    assert item["properties"]["quantity"]["maximum"] == 10**6
