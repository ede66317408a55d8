"""Sessions through a Redis outage: read from the database, and nothing written during it comes back stale."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from chatmon.core import sessions
from chatmon.testing.servers import free_port
from tests.chatapp.support import Api


@pytest.fixture
def session_cache_on(valkey, settings):
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": valkey.url}}
    sessions.outage.retry_seconds = 0  # try Redis on every call, so the test need not wait for a retry
    yield valkey
    sessions.outage.retry_seconds = 1.0


def test_it_keeps_a_signed_in_member_signed_in_and_logs_the_outage_once(session_cache_on, member_api, caplog):
    assert member_api.get("conversations").status_code == 200  # cached now
    session_cache_on.stop()
    with caplog.at_level(logging.WARNING, logger="chatmon.core.sessions"):
        assert [member_api.get("conversations").status_code for _ in range(5)] == [200] * 5
        session_cache_on.restart()
        assert member_api.get("conversations").status_code == 200
    messages = [record.getMessage() for record in caplog.records if record.name == "chatmon.core.sessions"]
    assert [m.split(":")[1].strip()[:17] for m in messages[:2]] == ["Redis unavailable", "Redis is back aft"], messages
    assert len(messages) <= 3, messages  # and at most one line for the eviction of what the outage left stale


def test_it_logs_in_during_an_outage(session_cache_on, member):
    session_cache_on.stop()
    api = Api(Client())
    assert api.post("login", {"username": "member", "password": "member-pass-1"}).status_code == 200
    assert api.get("conversations").status_code == 200
    session_cache_on.restart()
    assert api.get("conversations").status_code == 200


def test_a_logout_during_an_outage_stays_logged_out_once_redis_is_back(session_cache_on, member, settings):
    api = Api(Client())
    assert api.post("login", {"username": "member", "password": "member-pass-1"}).status_code == 200
    assert api.get("conversations").status_code == 200  # the session is in the cache now
    old_cookie = api.client.cookies["sessionid"].value
    reachable = settings.CACHES
    # Redis cut off but keeping its data (a network partition): the cached session outlives the logout.
    settings.CACHES = {"default": {**reachable["default"], "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}}
    assert api.post("logout").status_code == 200
    settings.CACHES = reachable
    replayed = Api(Client())
    replayed.client.cookies["sessionid"] = old_cookie
    assert replayed.get("conversations").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_the_async_session_methods_fall_back_to_the_database_too(session_cache_on, caplog):
    """An ASGI view using `await request.session.aget(...)`, `asave`, `aflush`: cached_db's async twins
    would raise (aexists, adelete, aload's re-cache) or log every failure (asave)."""
    from asgiref.sync import async_to_sync

    async def round_trip() -> tuple:
        store = sessions.SessionStore()
        await store.aset("who", "member")
        await store.asave()
        key = store.session_key
        found = await sessions.SessionStore(key).aget("who")
        exists = await store.aexists(key)
        await store.acycle_key()
        cycled_away = await store.aexists(key)
        await store.aflush()
        return found, exists, cycled_away, store.session_key

    session_cache_on.stop()
    with caplog.at_level(logging.WARNING):
        assert async_to_sync(round_trip)() == ("member", True, False, None)
    failures = [r for r in caplog.records if "Error saving to cache" in r.getMessage() or r.levelno >= logging.ERROR]
    assert failures == []
    session_cache_on.restart()
    assert async_to_sync(round_trip)() == ("member", True, False, None)
