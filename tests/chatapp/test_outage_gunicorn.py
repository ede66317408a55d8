"""Valkey killed for 15 s under load, as in production: gunicorn with several worker processes, signed-in chats,
logins and rate-limited API spends. No 5xx, an exact ledger, each Redis use logged unavailable at most once per
worker, Redis in use again within seconds, and the API key's rate limit enforced again after the outage.

tests/chatapp/test_redis_outage_under_load.py is the in-process twin (live_server, one process) that also
checks the session and violations outage logs line by line.
"""

from __future__ import annotations

import itertools
import json
import threading
import time

import pytest
import redis
import requests

from chatmon.api import keys
from chatmon.api.models import Scope
from chatmon.testing.servers import start_gunicorn
from chatmon.testing.worker import database_url
from ledger.models import Transaction
from tests.chatapp.support import Outcome
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
WORKERS = 3
CHATTERS = 4
API_CALLERS = 2
API_LIMIT_PER_MINUTE = 30
OUTAGE_SECONDS = 15.0
message_ids = itertools.count(1)


@pytest.fixture
def gunicorn(tmp_path, valkey, output_dir):
    """gunicorn on the test database with every Redis use on the private Valkey this test kills."""
    (tmp_path / "home").mkdir()
    log_path = output_dir / "outage-gunicorn.log"
    with log_path.open("w") as log:
        server = start_gunicorn(
            log,
            database_url=database_url(),
            REDIS_URL=valkey.url,
            WEB_CONCURRENCY=str(WORKERS),
            GUNICORN_THREADS="2",
            PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prom"),
            CHECK_BALANCE="true",
            START_BALANCE="100000000",
            BAN_VIOLATIONS="true",
            LIMIT_CONCURRENT_MESSAGES="true",
            CONCURRENT_MESSAGE_MAX=str(CHATTERS),
            LOGIN_MAX="100000",  # every caller is 127.0.0.1 here; the login limiter is not under test
            CHATAPP_FAKE_DELAY_MS="5",
            HOME=str(tmp_path / "home"),
        )
        try:
            yield server.base, log_path
        finally:
            server.stop(timeout=30)


def chat_and_login(base: str, username: str, stop: threading.Event, outcomes: list[Outcome]) -> None:
    http = requests.Session()
    http.headers["User-Agent"] = BROWSER
    http.post(f"{base}/api/auth/login", json={"username": username, "password": "pass-1"}, timeout=10)
    for turn in itertools.count():
        if stop.is_set():
            return
        response = http.post(f"{base}/api/chat/", json={"model": "gpt-4o", "text": "hi", "max_tokens": 8}, timeout=30)
        message_id = None
        if response.status_code == 200:
            events = [json.loads(line[5:]) for line in response.text.splitlines() if line.startswith("data:")]
            if events and events[-1].get("final"):
                message_id = str(events[-1]["responseMessage"]["id"])
        outcomes.append(Outcome(time.monotonic(), "chat", response.status_code, message_id))
        if turn % 3:
            continue  # a login costs a real password hash: one in three turns is load enough
        login = requests.post(
            f"{base}/api/auth/login", json={"username": username, "password": "pass-1"},
            headers={"User-Agent": BROWSER}, timeout=10,
        )  # fmt: skip
        outcomes.append(Outcome(time.monotonic(), "login", login.status_code))


def spend_through_the_api(base: str, secret: str, stop: threading.Event, outcomes: list[Outcome]) -> None:
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {secret}"
    while not stop.is_set():
        message_id = f"api-{next(message_ids)}"
        body = {"user": "api-user", "model": "gpt-4o", "prompt_tokens": 10, "completion_tokens": 5,
                "message_id": message_id}  # fmt: skip
        response = http.post(f"{base}/api/v1/spends", json=body, timeout=30)
        outcomes.append(Outcome(time.monotonic(), "spend", response.status_code, message_id))
        time.sleep(0.02)


def wait_for(condition, timeout: float) -> float:
    """Seconds until `condition()` held (or `timeout` when it never did)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if condition():
            return time.monotonic() - start
        time.sleep(0.1)
    return timeout


def test_fifteen_seconds_without_valkey_under_gunicorn_load(gunicorn, valkey, settings):
    base, log_path = gunicorn
    # gunicorn runs the project's password hashers, not the tests' fast one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    for n in range(CHATTERS):
        UserFactory(username=f"outage{n}", password="pass-1")
    _, secret = keys.create_key(name="outage", scopes=[Scope.LEDGER_WRITE], rate_limit_per_minute=API_LIMIT_PER_MINUTE)
    stop, outcomes = threading.Event(), []
    chatters = [f"outage{n}" for n in range(CHATTERS)]
    threads = [threading.Thread(target=chat_and_login, args=(base, name, stop, outcomes)) for name in chatters]
    threads += [
        threading.Thread(target=spend_through_the_api, args=(base, secret, stop, outcomes)) for _ in range(API_CALLERS)
    ]
    for thread in threads:
        thread.start()
    server = redis.Redis.from_url(valkey.url)
    limited = lambda since: any(o.kind == "spend" and o.status == 429 and o.at > since for o in list(outcomes))  # noqa: E731
    try:
        wait_for(lambda: limited(0), 30)  # the key's limit reached once before the outage
        killed = time.monotonic()
        valkey.stop()
        time.sleep(OUTAGE_SECONDS)
        valkey.restart()
        back = time.monotonic()
        # Redis in use again: the rate-limit window and the sessions are written there once more.
        api_back = wait_for(lambda: bool(server.keys("*api:rate:*")), 15)
        sessions_back = wait_for(lambda: bool(server.keys("*cached_db*")), 15)
        wait_for(lambda: limited(back), 30)  # and reached again after it
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)

    errors = [o for o in outcomes if o.status >= 500]
    assert not errors, f"{len(errors)} 5xx, e.g. {errors[:3]}; see {log_path}"
    during = [o for o in outcomes if killed + 0.5 < o.at < back]
    timeline = [(round(o.at - killed, 1), o.kind, o.status) for o in outcomes if o.kind != "spend"]
    assert {o.kind for o in during} == {"chat", "login", "spend"}, f"too little load during the outage: {timeline}"
    assert {o.status for o in during if o.kind != "spend"} == {200}
    # The API key's limit fails open during the outage (an outage must not stop spends) ...
    assert {o.status for o in during if o.kind == "spend"} == {200}
    # ... and holds before and after it.
    assert 429 in {o.status for o in outcomes if o.kind == "spend" and o.at < killed}
    assert 429 in {o.status for o in outcomes if o.kind == "spend" and o.at > back + api_back}
    assert api_back < 5 and sessions_back < 5, (api_back, sessions_back)

    # The ledger is exact: each answered chat and spend charged once (prompt and completion), nothing else.
    charged = [o.message_id for o in outcomes if o.kind in ("chat", "spend") and o.status == 200]
    assert None not in charged
    rows = sorted(Transaction.objects.filter(context="message").values_list("message_id", flat=True))
    assert rows == sorted(charged * 2)

    log = log_path.read_text()
    for what in ("sessions: Redis unavailable", "api: rate limit: Redis unavailable", "violations: Redis unavailable"):
        assert 1 <= log.count(what) <= WORKERS, (what, log.count(what))
    print(
        f"\n{len(outcomes)} requests, {len(during)} during a {back - killed:.1f}s outage, 0 5xx; "
        f"Redis in use again after {api_back:.1f}s (API limit) and {sessions_back:.1f}s (sessions)"
    )
