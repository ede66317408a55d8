"""SIGTERM on web, worker and beat: in-flight work finishes, one shutdown line is logged, the exit code is 0."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from chatmon.testing.servers import free_port
from chatmon.testing.worker import database_url

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def start(command: list[str], output: Path, ready: str, timeout: float = 60, **extra_env: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url(), "CONSOLE_LOG_LEVEL": "info", **extra_env}
    log = output.open("w")
    process = subprocess.Popen([sys.executable, *command], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while ready not in output.read_text() and time.monotonic() < deadline:
        assert process.poll() is None, output.read_text()[-3000:]
        time.sleep(0.2)
    assert ready in output.read_text(), output.read_text()[-3000:]
    return process


def stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=60)


def test_it_lets_gunicorn_finish_a_streaming_reply_on_sigterm(django_user_model, output_dir):
    # The server process keeps Django's real hashers, so the password is hashed with one it knows.
    hasher = PBKDF2PasswordHasher()
    django_user_model.objects.create(username="streamer", password=hasher.encode("pw-1", hasher.salt()))
    port = free_port()
    process = start(
        ["-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "chatmon.wsgi"],
        output_dir / "shutdown-web.log",
        "Booting worker",
        CHATAPP_FAKE_DELAY_MS="50",  # a slow reply (about a second in all), in flight when SIGTERM arrives
    )
    session = requests.Session()
    base = f"http://127.0.0.1:{port}"
    login = session.post(f"{base}/api/auth/login", json={"username": "streamer", "password": "pw-1"})
    assert login.status_code == 200
    body: list[bytes] = []

    def stream() -> None:
        with session.post(f"{base}/api/chat/", json={"model": "gpt-4o", "text": "a long one " * 20}, stream=True) as r:
            body.extend(r.iter_content(None))

    client = threading.Thread(target=stream)
    client.start()
    time.sleep(0.5)
    assert stop(process) == 0
    client.join(timeout=30)
    assert b'"final": true' in b"".join(body)
    assert "gunicorn stopped: in-flight requests finished" in (output_dir / "shutdown-web.log").read_text()


def test_it_stops_a_celery_worker_cleanly_on_sigterm(output_dir):
    log = output_dir / "shutdown-worker.log"
    process = start(
        ["-m", "celery", "-A", "chatmon.celery", "worker", "--pool", "solo", "-n", f"sd-{os.getpid()}@%h"],
        log,
        "ready.",
    )
    assert stop(process) == 0
    assert log.read_text().count("Celery worker shutting down") == 1


def test_it_stops_celery_beat_cleanly_on_sigterm(output_dir, tmp_path):
    log = output_dir / "shutdown-beat.log"
    schedule = ["--schedule", str(tmp_path / "beat-schedule")]
    process = start(["-m", "celery", "-A", "chatmon.celery", "beat", *schedule], log, "Celery beat started")
    # Celery beat syncs its schedule from inside its SIGTERM handler; a signal landing in the middle of the
    # scheduler's first database read interrupts that read (a Celery limitation), so stop it once idle.
    time.sleep(2)
    assert stop(process) == 0
    assert log.read_text().count("Celery beat shutting down") == 1
