"""The embedded Valkey starts, serves, and stops with no orphan process; a dead Redis is one clear line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import redis

from chatmon.devstack import port_free
from chatmon.testing.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


def wait_for_ping(client: redis.Redis, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            client.ping()
            return
        except redis.ConnectionError:
            time.sleep(0.1)
    raise AssertionError("embedded Valkey did not answer")


def test_it_starts_serves_and_stops_without_orphans(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "chatmon.embedded_valkey", "--port", str(port), "--data-dir", str(tmp_path)],
        cwd=ROOT,
    )
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)
    wait_for_ping(client)
    client.set("greeting", "hello")
    assert client.get("greeting") == b"hello"
    servers = [p for p in psutil.Process(process.pid).children(recursive=True) if "valkey" in p.name()]
    assert len(servers) == 1

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) == 0
    psutil.wait_procs(servers, timeout=5)
    assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in servers)
    assert port_free("127.0.0.1", port)
    assert (tmp_path / "dump.rdb").exists()  # demo data is kept under var/ across restarts


def test_it_says_which_port_is_taken(tmp_path):
    import socket

    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "chatmon.embedded_valkey", "--port", str(port), "--data-dir", str(tmp_path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 2
    assert f"127.0.0.1:{port}" in result.stderr


def test_it_reports_an_unreachable_redis_in_one_line():
    env = {**os.environ, "REDIS_URL": f"redis://:hunter2@127.0.0.1:{free_port()}/0"}
    code = "import django; django.setup(); from chatmon.core.redis import require_redis; require_redis()"
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "REDIS_URL" in lines[0]
    assert "hunter2" not in lines[0]
    assert "Traceback" not in result.stderr


def test_it_stops_a_celery_worker_with_one_line_when_redis_is_down():
    env = {**os.environ, "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    result = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "chatmon.celery", "worker", "--pool", "solo"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "chatmon: cannot reach Redis" in result.stderr
    assert "REDIS_URL" in result.stderr
