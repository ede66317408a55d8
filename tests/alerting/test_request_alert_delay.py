"""Request rules see a request one flush after it: the delay from a 5xx to its notice, and no race with compaction.

The documented worst case (docs/alerting.md) is one flush interval plus one evaluation interval: a 5xx just
after its process flushed waits MONITORING_FLUSH_SECONDS for the next flush, and the data just after an
evaluation waits one beat interval (60 s) for the next. Compaction is not on the path any more.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from chatmon.alerting.evaluation import evaluate_all
from chatmon.alerting.models import Incident
from chatmon.monitoring import conf, flusher, store
from chatmon.monitoring.compaction import compact

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.monitoring.urls")]

EVALUATION_INTERVAL = dt.timedelta(seconds=60)  # the beat schedule of chatmon.evaluate_alerts


def fail_requests(client, count: int = 3) -> None:
    for _ in range(count):
        assert client.get("/t/boom").status_code == 503


def test_a_5xx_is_announced_within_one_flush_and_one_evaluation(client, make_rule, receiver, time_machine):
    make_rule("error_rate", threshold=5, window_minutes=5)
    evaluated = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    time_machine.move_to(evaluated, tick=False)
    assert evaluate_all()["opened"] == 0  # an evaluation just before the first 5xx: the worst moment for it

    failed_at = evaluated + dt.timedelta(milliseconds=1)
    time_machine.move_to(failed_at, tick=False)
    fail_requests(client)  # just after this process's flush: the worst moment for the flush
    time_machine.move_to(failed_at + dt.timedelta(seconds=conf.flush_seconds()), tick=False)
    assert flusher.flush()  # the next flush; no compaction runs before the next evaluation

    time_machine.move_to(evaluated + EVALUATION_INTERVAL, tick=False)
    assert evaluate_all()["opened"] == 1
    notified = Incident.objects.get().opened_notified_at
    assert [body["chatmon"]["event"] for body in receiver.bodies] == ["opened"]
    assert notified - failed_at <= dt.timedelta(seconds=conf.flush_seconds()) + EVALUATION_INTERVAL


def test_it_counts_a_batch_claimed_by_a_compaction_that_has_not_written_it_yet(client, make_rule):
    rule = make_rule("error_rate", threshold=5, window_minutes=5)
    fail_requests(client)
    assert flusher.flush()
    conn = store.client()
    # What a compaction running at this moment has done so far (or a crashed one left): the data is claimed,
    # out of `pending`, and not yet in the database.
    assert store.claim_ready(conn, now=timezone.now().timestamp() + 60)
    assert evaluate_all()["opened"] == 1
    assert Incident.objects.get(rule=rule).value == 100


def test_it_counts_a_compacted_batch_once(client, make_rule):
    make_rule("error_rate", threshold=5, window_minutes=5)
    fail_requests(client, count=2)
    client.get("/t/items/1")
    client.get("/t/items/2")
    assert flusher.flush()
    compact(now=timezone.now().timestamp() + 60)
    fail_requests(client, count=1)  # flushed after the compaction: in Redis, the earlier ones in the database
    assert flusher.flush()

    evaluate_all()
    assert Incident.objects.get().value == 60  # 3 of 5, none counted twice
