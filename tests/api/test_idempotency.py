"""Idempotency-Key: a replay gets the first response and changes nothing; another body with the key is refused."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from chatmon.api.models import IdempotentResponse
from ledger.models import Hold, Transaction
from violations.models import Violation

pytestmark = pytest.mark.django_db

SPEND = {"user": "u1", "model": "gpt-4o", "prompt_tokens": 100, "completion_tokens": 50}


def test_it_replays_a_spend_without_charging_again(api, balances_on):
    first = api.post("spends", SPEND, **{"Idempotency-Key": "spend-1"})
    again = api.post("spends", SPEND, **{"Idempotency-Key": "spend-1"})
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Transaction.objects.count() == 2


@pytest.mark.parametrize(
    ("path", "body", "rows"),
    [
        ("balance/check", {"user": "u1", "model": "gpt-4o", "amount": 10}, lambda: Hold.objects.count()),
        ("grants", {"user": "u1", "amount": 10}, lambda: Transaction.objects.count()),
        ("violations", {"user": "u1", "type": "logins"}, lambda: Violation.objects.count()),
        (
            "spends/batch",
            {"items": [SPEND, {"model": "bad"}]},
            lambda: Transaction.objects.count(),
        ),
    ],
    ids=["check", "grant", "violation", "batch"],
)
def test_it_honours_the_key_on_every_write(api, balances_on, path, body, rows):
    first = api.post(path, body, **{"Idempotency-Key": f"k-{path}"})
    written = rows()
    again = api.post(path, body, **{"Idempotency-Key": f"k-{path}"})
    assert again.json() == first.json()
    assert rows() == written > 0


def test_it_refuses_the_key_with_a_different_body(api, balances_on):
    api.post("spends", SPEND, **{"Idempotency-Key": "k1"})
    response = api.post("spends", SPEND | {"prompt_tokens": 101}, **{"Idempotency-Key": "k1"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "Idempotency-Key", "message": response.json()["message"]}]
    assert Transaction.objects.count() == 2


def test_it_keeps_keys_apart_per_api_key(make_api, balances_on):
    one, two = make_api("ledger:write"), make_api("ledger:write")
    one.post("spends", SPEND, **{"Idempotency-Key": "shared"})
    assert "Idempotent-Replayed" not in two.post("spends", SPEND, **{"Idempotency-Key": "shared"})
    assert Transaction.objects.count() == 4


def test_it_stores_nothing_for_a_failed_request_so_a_fixed_retry_runs(api, balances_on):
    assert api.post("spends", {"model": "gpt-4o"}, **{"Idempotency-Key": "k2"}).status_code == 400
    assert not IdempotentResponse.objects.exists()
    assert api.post("spends", SPEND, **{"Idempotency-Key": "k2"}).status_code == 200
    assert Transaction.objects.count() == 2


def test_it_refuses_a_malformed_key(api):
    response = api.post("spends", SPEND, **{"Idempotency-Key": "has spaces"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


def test_it_runs_again_once_the_stored_response_expired(api, balances_on, settings):
    api.post("spends", SPEND, **{"Idempotency-Key": "k3"})
    settings.API_IDEMPOTENCY_TTL_HOURS = 0
    assert "Idempotent-Replayed" not in api.post("spends", SPEND, **{"Idempotency-Key": "k3"})
    assert Transaction.objects.count() == 4
    assert IdempotentResponse.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_requests_racing_with_one_key_charge_once_and_all_get_the_first_answer(live_server, api, balances_on):
    """Eight clients send the same spend with one key at the same moment, through a threaded live server."""
    racers = 8
    start = threading.Barrier(racers)

    def send(_) -> requests.Response:
        start.wait()
        return requests.post(
            f"{live_server.url}/api/v1/spends", json=SPEND, timeout=60,
            headers={"Authorization": f"Bearer {api.secret}", "Idempotency-Key": "raced"},
        )  # fmt: skip

    with ThreadPoolExecutor(racers) as pool:
        responses = list(pool.map(send, range(racers)))

    assert [r.status_code for r in responses] == [200] * racers
    assert len({r.content for r in responses}) == 1  # every client got the first response, byte for byte
    assert sum("Idempotent-Replayed" not in r.headers for r in responses) == 1
    assert Transaction.objects.count() == 2  # one prompt and one completion row: charged once
    assert IdempotentResponse.objects.filter(key="raced").count() == 1
