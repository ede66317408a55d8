"""Small helpers for tests that start real servers (gunicorn, Valkey, the whole stack) on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A loopback port nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(base_url: str, timeout: float = 30) -> None:
    """Poll `base_url`/healthz until the server answers at all (any status) or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while (left := deadline - time.monotonic()) > 0:
        try:
            requests.get(f"{base_url}/healthz", timeout=min(1.0, left))
            return
        except requests.RequestException as exc:
            # Not ready yet, whatever the form: refused (nothing listens), a read timeout (the socket is bound
            # but the workers are still booting, or the machine is loaded), a connection cut mid-answer.
            last_error = exc
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
    raise RuntimeError(f"{base_url} did not start within {timeout:.0f}s (last error: {last_error})")


@dataclass
class Gunicorn:
    base: str  # http://127.0.0.1:<port>
    process: subprocess.Popen

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM, as a supervisor stops it (workers flush on the way out); the exit code."""
        if self.process.poll() is None:
            self.process.terminate()
        return self.process.wait(timeout=timeout)


def start_gunicorn(log, *, database_url: str, timeout: float = 60, root: Path = ROOT, **env: str) -> Gunicorn:
    """gunicorn as deployed (deploy/gunicorn.conf.py, chatmon.wsgi) on a free loopback port against
    `database_url`, with `env` over this process's environment (WEB_CONCURRENCY, PROMETHEUS_MULTIPROC_DIR,
    REDIS_URL, ...); output to `log`. `root`: the checkout it serves (another commit's, for bench/api_ab.py).
    Returns once it answers; a start that fails leaves no process behind."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
         "chatmon.wsgi"],
        cwd=root, env={**os.environ, "DATABASE_URL": database_url, **env}, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    server = Gunicorn(f"http://127.0.0.1:{port}", process)
    try:
        wait_until_serving(server.base, timeout=timeout)
    except BaseException:
        process.kill()
        process.wait()
        raise
    return server
