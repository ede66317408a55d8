"""An API request frees what it made as it ends: nothing of DRF's or of the ledger's waits for Python's cycle
collector, whose runs cost a spend about a sixth of its instructions when every request left ~90 objects
behind (docs/api.md "Tests and benchmark"). Runs without the test's wrapping transaction, so a spend takes its
own transaction (ledger/owntx.py), as in production."""

from __future__ import annotations

import gc

import pytest
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ledger.owntx import OwnTransaction

pytestmark = pytest.mark.django_db(transaction=True)

API_TYPES = (Request, Response, APIView, OwnTransaction)


def cyclic_garbage_of(send) -> list:
    """The objects of API_TYPES that `send()` left to the cycle collector, but for the response it returns:
    the test client ties that to itself. (Django's own request keeps a cycle with its messages storage, which
    is not the API's either.)"""
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        answer = id(send())  # by id: held here, it would keep whatever it refers to from the collector
        gc.collect()
        return [thing for thing in gc.garbage if isinstance(thing, API_TYPES) and id(thing) != answer]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


def spend(api, message_id: str):
    body = {"user": "u1", "model": "gpt-4o", "prompt_tokens": 10, "completion_tokens": 5, "message_id": message_id}
    answer = api.post("spends", body)
    assert answer.status_code == 200, answer.content
    return answer


def test_a_spend_leaves_nothing_to_the_cycle_collector(api, balances_on):
    spend(api, "first")  # the user and their balance are made on first sight, through Django's transaction
    assert cyclic_garbage_of(lambda: spend(api, "second")) == []


def test_a_refused_request_leaves_nothing_either(api, balances_on):
    def refused():
        answer = api.post("spends", {"user": "u1", "model": "gpt-4o", "prompt_tokens": "many"})
        assert answer.status_code == 400
        return answer

    assert cyclic_garbage_of(refused) == []
