"""`make run`'s supervisor: the whole stack comes up healthy, serves the admin and metrics, and stops cleanly."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import requests

from chatmon.testing.servers import free_port
from chatmon.testing.worker import database_url

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def stack_env(tmp_path: Path, port: int) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}  # the embedded Valkey path
    env.update(
        {
            "PORT": str(port),
            "CHATMON_VALKEY_PORT": str(free_port()),
            "CHATMON_VAR_DIR": str(tmp_path / "var"),
            "DATABASE_URL": database_url(),
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
            "WEB_CONCURRENCY": "1",
            "PYTHONUNBUFFERED": "1",
            "LOADGEN": "1",  # the demo traffic a newcomer can ask for, as chat clients send it
            "LOADGEN_DURATION": "20",
        }
    )
    return env


def wait_for_health(base: str, process: subprocess.Popen, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        assert process.poll() is None, "the stack exited while starting"
        try:
            response = requests.get(f"{base}/health/?format=json", timeout=5)
            last = response.json()
            if response.status_code == 200:
                return last
        except requests.RequestException:
            pass
        time.sleep(1)
    raise AssertionError(f"/health/ never turned 200: {last}")


def chat_requests_served(base: str, timeout: float = 60) -> float:
    """Successful chat generations in /metrics, once loadgen's first ones are there."""
    pattern = r'chatmon_http_requests_total\{method="POST",route="api/chat/",status_class="2xx"\} (\S+)'
    deadline = time.monotonic() + timeout
    while True:
        found = re.search(pattern, requests.get(f"{base}/metrics", timeout=5).text)
        if found or time.monotonic() > deadline:
            return float(found.group(1)) if found else 0.0
        time.sleep(1)


def test_it_runs_the_whole_stack_and_stops_it_cleanly(tmp_path, output_dir):
    port = free_port()
    log_path = output_dir / "devstack.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "chatmon.devstack"],
            cwd=ROOT, env=stack_env(tmp_path, port), stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            health = wait_for_health(base, process)
            assert set(health.values()) == {"OK"}
            output = log_path.read_text()
            password = re.search(r"Admin login: user 'admin', password (\S+)", output).group(1)
            session = requests.Session()
            session.get(f"{base}/admin/login/")
            login = session.post(
                f"{base}/admin/login/?next=/admin/",
                data={"username": "admin", "password": password, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
                headers={"Referer": f"{base}/admin/login/"},
            )
            assert "Site administration" in login.text
            assert "chatmon.beat_heartbeat" in session.get(f"{base}/admin/chatmon/jobrun/").text
            # One web worker: the requests above are in the /metrics it serves (it writes its batch first).
            assert (
                'chatmon_http_requests_total{method="POST",route="admin/login/"'
                in requests.get(f"{base}/metrics", timeout=5).text
            )
            assert chat_requests_served(base) > 0, "LOADGEN=1 sent no chat traffic"
            children = psutil.Process(process.pid).children(recursive=True)
            names = " ".join(" ".join(child.cmdline()) for child in children)
            for part in ("gunicorn", "celery -A chatmon.celery worker", "celery -A chatmon.celery beat", "valkey"):
                assert part in names
        finally:
            process.send_signal(signal.SIGINT)  # what Ctrl-C does
            returncode = process.wait(timeout=60)
    assert returncode in (0, 130)
    _gone, alive = psutil.wait_procs(children, timeout=10)
    assert [child.pid for child in alive if child.status() != psutil.STATUS_ZOMBIE] == []
    assert "web stopped" in log_path.read_text()


def test_it_says_so_when_the_port_is_taken(tmp_path):
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "chatmon.devstack"],
            cwd=ROOT, env=stack_env(tmp_path, port), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
