"""A real webhook receiver: an HTTP server on a loopback port, in a thread, recording what it is sent.

It answers `status`, or the next of `statuses` while any are left (a receiver that fails first, then recovers).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from chatmon.alerting.models import AlertRule, NotificationChannel


class Receiver(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.bodies: list[dict] = []
        self.status = 200
        self.statuses: list[int] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks/alerts"


class Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.server.bodies.append(json.loads(self.rfile.read(length)))
        self.send_response(self.server.statuses.pop(0) if self.server.statuses else self.server.status)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:  # keep the test output clean
        pass


@pytest.fixture(autouse=True)
def _no_recent_requests(no_recent_requests):
    """Request rules read the rollups still in Redis and in this process's buffer: start each test without any."""


@pytest.fixture
def receiver():
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def webhook(receiver):
    return NotificationChannel.objects.create(name="ops-slack", kind="webhook", target=receiver.url)


@pytest.fixture
def make_rule(webhook):
    def make(kind: str, threshold: float, **fields) -> AlertRule:
        rule = AlertRule.objects.create(name=f"{kind} rule", kind=kind, threshold=threshold, **fields)
        rule.channels.add(webhook)
        return rule

    return make


@pytest.fixture
def clock(time_machine):
    """Moves time forward between evaluations (backoff, `for` durations, silences) without sleeping."""
    time_machine.move_to(timezone.now())
    return lambda **delta: time_machine.shift(dt.timedelta(**delta))
