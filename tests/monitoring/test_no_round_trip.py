"""No network round trip per request: requests only touch memory; Redis sees one batched flush."""

from __future__ import annotations

import pytest
import redis
from django.test import override_settings

from chatmon.monitoring import flusher, store

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.monitoring.urls")]
REQUESTS = 200


def commands(conn: redis.Redis) -> dict[str, int]:
    return {name: stats["calls"] for name, stats in conn.info("commandstats").items()}


def test_it_sends_one_batch_whatever_the_number_of_requests(client, valkey, member):
    client.force_login(member)
    private = redis.Redis.from_url(valkey.url)
    with override_settings(MONITORING_REDIS_URL=valkey.url):
        flusher.flush()  # whatever earlier tests left goes to the private server before we count
        before = commands(private)
        for pk in range(REQUESTS):
            client.get(f"/t/items/{pk}")
        during = commands(private)
        assert flusher.flush()
        after = commands(private)

    # Any write in the request path would show as hundreds of calls; a flush by the background thread
    # during the loop would show as one MULTI.
    assert during.get("cmdstat_multi", 0) - before.get("cmdstat_multi", 0) <= 1
    assert during.get("cmdstat_hincrby", 0) - before.get("cmdstat_hincrby", 0) < 40
    assert after.get("cmdstat_exec", 0) - during.get("cmdstat_exec", 0) == 1
    hashes = [k for k in private.scan_iter(match=f"{store.key('req:')}*")]
    total = sum(
        int(v) for h in hashes for f, v in private.hgetall(h).items() if f.decode() == "t/items/<int:pk>\tGET\tcount"
    )
    assert total == REQUESTS
