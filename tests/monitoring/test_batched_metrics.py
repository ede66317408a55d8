"""Batched request metrics: requests touch no Prometheus value until a sync, and a sync writes exactly what
observe() and inc() one request at a time would have written."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import REGISTRY, CollectorRegistry, Histogram

from chatmon.monitoring import batched, metrics

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.monitoring.urls")]
ITEMS = {"route": "t/items/<int:pk>", "method": "GET"}
# Exact bucket bounds are included: an observation equal to a bound belongs to that bound's bucket.
amounts = st.lists(
    st.one_of(st.sampled_from(metrics.LATENCY_BUCKETS), st.floats(min_value=0, max_value=120, allow_nan=False)),
    max_size=40,
)


def histogram_samples(registry: CollectorRegistry) -> dict:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for m in registry.collect() for s in m.samples
            if not s.name.endswith("_created")}  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(amounts)
def test_a_sync_writes_what_observe_would_have(values):
    one_by_one, batch = CollectorRegistry(), CollectorRegistry()
    expected = Histogram("h", "h", ["route"], buckets=metrics.LATENCY_BUCKETS, registry=one_by_one)
    actual = Histogram("h", "h", ["route"], buckets=metrics.LATENCY_BUCKETS, registry=batch)
    pending: dict = {}
    for value in values:
        expected.labels("r").observe(value)
        batched._observe(pending, ("r",), value)
    for labels, observed in pending.items():
        batched._apply(actual, labels, observed)
    assert histogram_samples(batch) == pytest.approx(histogram_samples(one_by_one))


def value(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_requests_wait_for_the_sync_and_then_are_all_there(client):
    batched.request_metrics.sync()
    count_before = value("chatmon_http_requests_total", **ITEMS, status_class="2xx")
    seconds_before = value("chatmon_http_request_duration_seconds_count", **ITEMS)
    for pk in range(25):
        assert client.get(f"/t/items/{pk}").status_code == 200

    # Nothing written per request: the batch is still in memory.
    assert value("chatmon_http_requests_total", **ITEMS, status_class="2xx") == count_before
    batched.request_metrics.sync()
    assert value("chatmon_http_requests_total", **ITEMS, status_class="2xx") == count_before + 25
    assert value("chatmon_http_request_duration_seconds_count", **ITEMS) == seconds_before + 25
    assert value("chatmon_http_requests_in_flight") == 0
    batched.request_metrics.sync()  # a second sync adds nothing
    assert value("chatmon_http_requests_total", **ITEMS, status_class="2xx") == count_before + 25


def test_in_flight_counts_requests_between_start_and_end():
    tracker = batched.RequestMetrics()
    tracker.started()
    tracker.started()
    tracker.record(route="r", method="GET", status_class="2xx", duration_s=0.01, in_flight=True)
    tracker.sync()
    assert value("chatmon_http_requests_in_flight") == 1
    tracker.finished()
    tracker.sync()
    assert value("chatmon_http_requests_in_flight") == 0


def test_the_flusher_keeps_the_ledgers_spend_counts_for_its_syncs(client):
    from chatmon.monitoring import flusher
    from ledger import metrics as ledger_metrics

    assert client.get("/t/items/1").status_code == 200  # a request starts this process's flusher thread
    assert ledger_metrics.spend_counts.keeping
    batched.sync_all()
    before = value("ledger_tokens_total", value_key="gpt-4o", token_type="prompt")
    ledger_metrics.spend_counts.count("gpt-4o", "prompt", 7, 17.5)
    assert value("ledger_tokens_total", value_key="gpt-4o", token_type="prompt") == before
    flusher.flush()  # what the thread, a scrape of /metrics and the exit hook run
    assert value("ledger_tokens_total", value_key="gpt-4o", token_type="prompt") == before + 7
