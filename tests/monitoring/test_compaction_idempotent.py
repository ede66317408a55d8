"""Compaction adds each flushed batch exactly once: reruns, concurrent runs and crashes never double-count."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.db.models import Sum

from chatmon.monitoring import compaction, store
from chatmon.monitoring.aggregator import Buffer
from chatmon.monitoring.models import CompactedBatch, RequestRollup

pytestmark = pytest.mark.django_db(transaction=True)
MINUTE = 1_700_000_040  # the start of a minute in 2023
LATER = MINUTE + 600


def flush_requests(n: int, route: str = "api/chat/") -> None:
    buffer = Buffer()
    for _ in range(n):
        buffer.record_request(now=MINUTE + 1, route=route, method="POST", status=200, duration_s=0.02, stream=None)
    store.flush(buffer.drain())


def total(route: str = "api/chat/") -> int:
    return RequestRollup.objects.filter(route=route).aggregate(n=Sum("count"))["n"] or 0


def test_it_does_not_add_anything_when_run_twice():
    flush_requests(7)
    compaction.compact(now=LATER)
    compaction.compact(now=LATER)
    assert total() == 7


def test_it_adds_a_batch_that_arrives_after_its_minute_was_compacted():
    flush_requests(3)
    compaction.compact(now=LATER)
    flush_requests(2)  # a process that flushed late (it was busy, or Redis was down for a while)
    compaction.compact(now=LATER)
    assert total() == 5
    assert RequestRollup.objects.filter(route="api/chat/").count() == 1


def test_it_skips_a_batch_already_written_by_a_run_that_crashed_before_releasing_it():
    flush_requests(4)
    conn = store.client()
    store.claim_ready(conn, now=LATER)
    [claim] = store.claims(conn)
    assert compaction._write(claim, store.read_claim(conn, claim))  # committed, then the "crash": no release

    summary = compaction.compact(now=LATER)
    assert summary["skipped"] == 1
    assert total() == 4
    assert store.claims(conn) == []


def test_it_keeps_a_claimed_batch_in_redis_until_its_rows_are_written():
    flush_requests(6)
    conn = store.client()
    store.claim_ready(conn, now=LATER)  # a run claims the batch, then dies before writing it

    compaction.compact(now=LATER)
    assert total() == 6
    assert CompactedBatch.objects.count() >= 1


def test_it_counts_each_request_once_when_runs_race():
    for _ in range(5):
        flush_requests(10)
    errors = []

    def run() -> None:
        try:
            compaction.compact(now=LATER)
        except Exception as exc:  # collected for the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    compaction.compact(now=LATER)
    assert total() == 50


def test_it_records_a_job_run_on_a_real_worker(celery_worker):
    from chatmon.core.models import JobRun
    from chatmon.monitoring.tasks import compact_request_rollups

    flush_requests(2, route="api/conversations")
    # MINUTE is long over by the worker's clock, so the worker compacts it.
    summary = compact_request_rollups.delay().get(timeout=30)
    assert summary["written"] >= 1
    assert total("api/conversations") == 2
    assert JobRun.objects.get(task="chatmon.compact_request_rollups").status == JobRun.Status.SUCCESS
