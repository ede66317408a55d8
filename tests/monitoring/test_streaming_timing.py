"""Streaming responses are timed to their last byte, with time to first byte, bytes and disconnects."""

from __future__ import annotations

import time

import pytest

from chatmon.monitoring import flusher
from chatmon.monitoring.compaction import compact
from chatmon.monitoring.models import RequestRollup
from tests.monitoring.urls import CHUNKS

# transaction=True: closing a response fires request_finished, which closes the database connection.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.monitoring.urls")]


def stream_row() -> RequestRollup:
    flusher.flush()
    compact(now=time.time() + 60)
    return RequestRollup.objects.get(route="t/stream")


def test_it_records_a_stream_read_to_the_end(client):
    response = client.get("/t/stream")
    body = b"".join(response.streaming_content)  # the test client closes the response when it is consumed

    row = stream_row()
    assert (row.count, row.streams, row.disconnects) == (1, 1, 0)
    assert row.bytes_sent == len(body) == sum(map(len, CHUNKS))
    assert 0 < row.ttfb_sum_us <= row.duration_sum_us


def test_it_counts_a_client_that_leaves_part_way_as_a_disconnect(client):
    response = client.get("/t/stream")
    first = next(iter(response.streaming_content))
    response.close()  # what the WSGI server does when the client goes away

    row = stream_row()
    assert (row.count, row.streams, row.disconnects) == (1, 1, 1)
    assert row.bytes_sent == len(first)


def test_it_records_a_stream_closed_before_its_first_byte_once(client):
    response = client.get("/t/stream")
    response.close()
    response.close()

    row = stream_row()
    assert (row.count, row.disconnects, row.bytes_sent, row.ttfb_sum_us) == (1, 1, 0, 0)


def test_it_does_not_record_a_stream_before_it_ends(client):
    response = client.get("/t/stream")
    flusher.flush()
    compact(now=time.time() + 60)
    assert not RequestRollup.objects.filter(route="t/stream").exists()
    response.close()
