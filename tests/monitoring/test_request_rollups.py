"""Requests are rolled up per minute, route template and method, flushed to Redis and compacted to rows."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import time_machine

from chatmon.monitoring import flusher
from chatmon.monitoring.aggregator import BUCKET_FIELDS, bucket_field
from chatmon.monitoring.compaction import compact
from chatmon.monitoring.models import RequestRollup

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.monitoring.urls")]


def rollup(route: str, method: str = "GET") -> RequestRollup:
    return RequestRollup.objects.get(route=route, method=method)


def test_it_rolls_up_by_route_template_never_the_raw_path(client):
    for pk in (1, 2, 3):
        assert client.get(f"/t/items/{pk}").status_code == 200
    assert flusher.flush()
    compact(now=_next_minute())

    row = rollup("t/items/<int:pk>")
    assert row.count == 3
    assert row.errors == 0
    assert not RequestRollup.objects.filter(route__contains="/1").exists()


def test_it_counts_errors_client_errors_and_unmatched_routes(client):
    client.get("/t/boom")
    client.get("/t/boom")
    client.get("/no/such/page/12345")
    flusher.flush()
    compact(now=_next_minute())

    assert (rollup("t/boom").count, rollup("t/boom").errors) == (2, 2)
    unmatched = rollup("<unmatched>")
    assert (unmatched.count, unmatched.client_errors, unmatched.errors) == (1, 1, 0)


def test_it_keeps_a_latency_histogram_whose_buckets_add_up_to_the_count(client):
    for _ in range(5):
        client.get("/t/items/7")
    flusher.flush()
    compact(now=_next_minute())

    row = rollup("t/items/<int:pk>")
    assert sum(getattr(row, name) for name in BUCKET_FIELDS) == row.count == 5
    assert row.duration_sum_us > 0


def test_it_leaves_the_current_minute_in_redis_until_it_is_over(client):
    minute = dt.datetime(2030, 1, 2, 3, 4, 0, tzinfo=dt.UTC)
    with time_machine.travel(minute + dt.timedelta(seconds=20), tick=True):
        client.get("/t/items/1")
        flusher.flush()
        compact()
        assert not RequestRollup.objects.exists()
    compact(now=minute.timestamp() + 60)
    assert rollup("t/items/<int:pk>").minute == minute


def _next_minute() -> float:
    return time.time() + 60


@pytest.mark.parametrize(
    ("duration_ms", "field"),
    [(0, "le_5"), (5, "le_5"), (5.001, "le_10"), (250, "le_250"), (10000, "le_10000"), (10000.5, "le_inf")],
)
def test_a_duration_on_a_bound_counts_in_that_bounds_bucket(duration_ms, field):
    assert bucket_field(duration_ms) == field
