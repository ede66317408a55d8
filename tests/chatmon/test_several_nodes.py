"""chatmon on several machines: three web nodes (separate gunicorn process groups, each with its own
Prometheus multiprocess folder) and two Celery workers, against one database and one Redis.

- a ban made through one node refuses its target on the others within VIOLATIONS_BAN_SYNC_SECONDS;
- concurrent spends on one user through different nodes lose nothing (ledger_verify's check holds);
- the request rollups of all nodes, compacted by both workers at once, sum exactly to the requests sent.

docs/scaling.md describes the layout this test stands up.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests
from django.db.models import Sum

from chatmon.api import keys
from chatmon.api.models import Scope
from chatmon.monitoring.models import RequestRollup
from chatmon.testing.servers import Gunicorn, start_gunicorn
from chatmon.testing.worker import WorkerProcess, database_url
from ledger import selectors
from ledger.models import Transaction

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

NODES = 3
BAN_SYNC_SECONDS = 2.0
ATTACKER = "203.0.113.50"
SPENDS_PER_NODE = 30
ROLLUP_REQUESTS = 90


def start_node(name: str, tmp_path: Path, log) -> Gunicorn:
    """One web machine: gunicorn with two workers, its own metrics folder, the shared database and Redis."""
    home = tmp_path / name / "home"
    home.mkdir(parents=True)
    return start_gunicorn(
        log,
        database_url=database_url(),
        timeout=90,
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / name / "prom"),
        WEB_CONCURRENCY="2",
        GUNICORN_THREADS="2",
        CHECK_BALANCE="true",
        START_BALANCE="1000000",
        BAN_VIOLATIONS="true",
        TRUSTED_PROXIES="1",  # behind a load balancer: the client is the X-Forwarded-For entry
        VIOLATIONS_BAN_SYNC_SECONDS=str(BAN_SYNC_SECONDS),
        CHATMON_MONITORING_FLUSH_SECONDS="1",  # as in production (the test plugin sets an hour)
        HOME=str(home),
    )


@pytest.fixture
def nodes(tmp_path, output_dir):
    with ExitStack() as stack:
        started = []
        for name in ("a", "b", "c"):
            log = stack.enter_context((output_dir / f"node-{name}.log").open("w"))
            node = start_node(name, tmp_path, log)
            stack.callback(node.stop)
            started.append(node)
        yield started


@pytest.fixture
def workers(output_dir):
    pair = [WorkerProcess(output_dir / f"celery-{name}.log", name=name) for name in ("worker1", "worker2")]
    try:
        for worker in pair:
            worker.start()
        yield pair
    finally:
        for worker in pair:
            worker.stop()


def api(secret: str) -> requests.Session:
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {secret}"
    return http


def seconds_until_refused(node: Gunicorn, deadline: float) -> float | None:
    """Poll the node as the attacker until it answers 403; the seconds it took, or None by `deadline`."""
    start = time.monotonic()
    while time.monotonic() < deadline:
        status = requests.get(
            f"{node.base}/api/conversations", headers={"X-Forwarded-For": ATTACKER}, timeout=10
        ).status_code
        if status == 403:
            return time.monotonic() - start
        assert status == 401, status  # not signed in, not banned yet
        time.sleep(0.05)
    return None


def test_three_nodes_and_two_workers_share_one_database_and_one_redis(nodes, workers):
    _, secret = keys.create_key(name="nodes", scopes=[Scope.LEDGER_WRITE, Scope.LEDGER_READ, Scope.VIOLATIONS_WRITE])
    a, b, c = nodes

    # Requests spread over the nodes (compacted at the end, once their minute is over).
    http = api(secret)
    sent_at = dt.datetime.now(dt.UTC)
    for n in range(ROLLUP_REQUESTS):
        node = nodes[n % NODES]
        assert http.get(f"{node.base}/api/v1/balance", params={"user": "shared"}, timeout=10).status_code == 200
    sent_until = dt.datetime.now(dt.UTC)

    # A ban through node a reaches b and c within the sync interval.
    for node in (b, c):
        assert seconds_until_refused(node, time.monotonic() + 0.5) is None  # both admit the address first
    banned = api(secret).post(f"{a.base}/api/v1/violations", json={"type": "general", "ip": ATTACKER, "score": 1000},
                              timeout=10)  # fmt: skip
    assert banned.status_code == 200 and banned.json()["ban"] is True, banned.text
    delays = [seconds_until_refused(node, time.monotonic() + 3 * BAN_SYNC_SECONDS) for node in (b, c)]
    assert None not in delays and max(delays) <= BAN_SYNC_SECONDS + 1.0, delays

    # Concurrent spends on one user through every node: every charge lands once and the chain holds.
    message_ids = itertools.count()
    results: list[int] = []

    def spend_through(node: Gunicorn) -> None:
        http = api(secret)
        for _ in range(SPENDS_PER_NODE):
            body = {"user": "shared", "model": "gpt-4o", "prompt_tokens": 100, "completion_tokens": 20,
                    "message_id": f"m-{next(message_ids)}"}  # fmt: skip
            results.append(http.post(f"{node.base}/api/v1/spends", json=body, timeout=30).status_code)

    threads = [threading.Thread(target=spend_through, args=(node,)) for node in nodes for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert results == [200] * (2 * NODES * SPENDS_PER_NODE)
    rows = Transaction.objects.filter(context="message", message_id__startswith="m-")
    assert rows.count() == 2 * len(results)
    user = rows.first().user
    assert selectors.balance_of(user) == pytest.approx(1_000_000 + rows.aggregate(total=Sum("token_value"))["total"])
    assert selectors.verify_balances(users=[user.pk]) == []

    # Each node's processes flush their rollups on the way out; both workers then compact at once. Compaction
    # takes finished minutes only: wait for the minute of the last of those requests to end.
    for node in nodes:
        node.stop()
    last_minute_ends = sent_until.replace(second=0, microsecond=0) + dt.timedelta(minutes=1, seconds=1)
    time.sleep(max(0.0, (last_minute_ends - dt.datetime.now(dt.UTC)).total_seconds()))
    from chatmon.celery import app

    runs = [app.send_task("chatmon.compact_request_rollups") for _ in workers]  # two at once: one batch each time
    for run in runs:
        run.get(timeout=60)
    since = sent_at.replace(second=0, microsecond=0)
    rollups = RequestRollup.objects.filter(route="api/v1/balance", method="GET", minute__gte=since)
    assert rollups.aggregate(total=Sum("count"))["total"] == ROLLUP_REQUESTS
    print(f"\nban reached the other nodes after {max(delays):.2f}s; {len(results)} concurrent spends, 0 lost; "
          f"{ROLLUP_REQUESTS} requests over {NODES} nodes, {ROLLUP_REQUESTS} in the rollups")  # fmt: skip
