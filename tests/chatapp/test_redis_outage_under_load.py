"""Valkey killed under load: signed-in chats and logins keep being served, the ledger stays exact, the outage is
logged once and the sessions use Redis again within seconds of it coming back."""

from __future__ import annotations

import json
import logging
import threading
import time

import pytest
import requests

from chatmon.core import sessions
from ledger.models import Transaction
from tests.chatapp.support import Outcome
from tests.factories import UserFactory
from violations.banview import view

pytestmark = pytest.mark.slow

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
WORKERS = 4
OUTAGE_SECONDS = 4.0


@pytest.fixture
def redis_on_valkey(valkey, settings):
    """Sessions, the cache, violations and monitoring all on the private Valkey the test stops and restarts."""
    default = settings.CACHES["default"]
    settings.CACHES = {"default": {**default, "LOCATION": valkey.url}}
    settings.VIOLATIONS_REDIS_URL = valkey.url
    settings.MONITORING_REDIS_URL = valkey.url
    # The chat route guarded as examples/demo guards it, so its generation slots count in Redis too.
    settings.VIOLATIONS_CONCURRENT_ENABLED = True
    settings.VIOLATIONS_CONCURRENT_MAX = WORKERS
    settings.VIOLATIONS_CONCURRENT_URL_NAMES = ["chatapp:chat"]
    settings.VIOLATIONS_STREAMING_URL_NAMES = ["chatapp:chat"]
    view.reset()
    yield valkey
    view.reset()


def signed_in(base: str, username: str, password: str) -> requests.Session:
    http = requests.Session()
    http.headers["User-Agent"] = BROWSER
    response = http.post(f"{base}/api/auth/login", json={"username": username, "password": password}, timeout=10)
    response.raise_for_status()
    return http


def chat(http: requests.Session, base: str) -> Outcome:
    response = http.post(f"{base}/api/chat/", json={"model": "gpt-4o", "text": "hello", "max_tokens": 10}, timeout=20)
    message_id = None
    if response.status_code == 200:
        data = [json.loads(line[5:]) for line in response.text.splitlines() if line.startswith("data:")]
        if data and data[-1].get("final"):
            message_id = data[-1]["responseMessage"]["id"]
    return Outcome(time.monotonic(), "chat", response.status_code, message_id)


def load(base: str, username: str, stop: threading.Event, outcomes: list[Outcome]) -> None:
    http = signed_in(base, username, "pass-1")
    while not stop.is_set():
        outcomes.append(chat(http, base))
        login = requests.post(
            f"{base}/api/auth/login", json={"username": username, "password": "pass-1"},
            headers={"User-Agent": BROWSER}, timeout=10,
        )  # fmt: skip
        outcomes.append(Outcome(time.monotonic(), "login", login.status_code))


def test_it_serves_chats_and_logins_through_a_valkey_outage(
    transactional_db, live_server, redis_on_valkey, balances_on, bans_on, caplog
):
    caplog.set_level(logging.WARNING)
    users = [UserFactory(username=f"load{n}", password="pass-1") for n in range(WORKERS)]
    stop, outcomes = threading.Event(), []
    threads = [threading.Thread(target=load, args=(live_server.url, user.username, stop, outcomes)) for user in users]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.5)
        killed = time.monotonic()
        redis_on_valkey.stop()
        time.sleep(OUTAGE_SECONDS)
        redis_on_valkey.restart()
        back = time.monotonic()
        while sessions.outage.down and time.monotonic() - back < 10:
            time.sleep(0.05)
        recovered = time.monotonic()
        time.sleep(2.0)
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)

    assert not [o for o in outcomes if o.status >= 500]
    during = [o for o in outcomes if killed < o.at < back]
    assert len(during) >= 10, "too little load during the outage"
    assert {o.status for o in during} == {200}
    assert recovered - back < 5, f"sessions used Redis again only {recovered - back:.1f}s after it came back"
    assert {o.status for o in outcomes if o.at > recovered} == {200}

    chats = [o.message_id for o in outcomes if o.kind == "chat" and o.message_id]
    assert len(chats) == len([o for o in outcomes if o.kind == "chat"])
    rows = Transaction.objects.filter(message_id__in=chats)
    assert sorted(rows.values_list("message_id", flat=True)) == sorted([str(m) for m in chats] * 2)
    assert Transaction.objects.filter(context="message").count() == 2 * len(chats)

    for name in ("chatmon.core.sessions", "violations.store"):
        warnings = [r.getMessage() for r in caplog.records if r.name == name]
        assert len([m for m in warnings if "unavailable" in m]) == 1, warnings
        assert len([m for m in warnings if "is back" in m]) == 1, warnings
    print(
        f"\n{len(outcomes)} requests ({len(during)} during a {back - killed:.1f}s outage), 0 5xx; "
        f"sessions back on Redis {recovered - back:.2f}s after restart"
    )
