"""Concurrent generations: atomic slots in Redis, released when the stream ends."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from violations import guards, store
from violations.models import Violation

pytestmark = pytest.mark.django_db


def test_it_admits_exactly_the_limit_out_of_twenty_parallel_starts(settings):
    settings.VIOLATIONS_CONCURRENT_MAX = 2
    with ThreadPoolExecutor(max_workers=20) as pool:
        slots = list(pool.map(lambda _: guards.acquire_generation(42), range(20)))
    assert sum(slot.allowed for slot in slots) == 2
    assert {slot.pending for slot in slots if not slot.allowed} == {3}
    assert store.client().get(store.key("pending", 42)) == "2"


def test_it_frees_a_slot_on_release_and_deletes_the_key_at_zero(settings):
    settings.VIOLATIONS_CONCURRENT_MAX = 1
    assert guards.acquire_generation(7).allowed
    assert not guards.acquire_generation(7).allowed
    guards.release_generation(7)
    assert guards.acquire_generation(7).allowed
    guards.release_generation(7)
    assert store.client().exists(store.key("pending", 7)) == 0


def test_it_holds_the_slot_until_the_stream_closes(settings, client, member):
    settings.VIOLATIONS_CONCURRENT_ENABLED = True
    settings.VIOLATIONS_CONCURRENT_MAX = 1
    settings.VIOLATIONS_CONCURRENT_URL_NAMES = ["chatapp:chat"]
    client.force_login(member)
    streaming = client.post("/chat")
    refused = client.post("/chat")
    assert refused.status_code == 429
    body = refused.json()
    assert (body["type"], body["limit"], body["pendingRequests"], body["violation_count"]) == ("concurrent", 1, 2, 1)
    assert Violation.objects.get().type == "concurrent"
    # Reading to the end closes the response, as a WSGI server does at the end or when the client goes away.
    b"".join(streaming.streaming_content)
    again = client.post("/chat")
    assert again.status_code == 200
    b"".join(again.streaming_content)  # closes it: an open stream would stay counted in flight for later tests
