"""Small helpers for tests that start real servers (gunicorn, Valkey, the whole stack) on loopback."""

from __future__ import annotations

import socket
import time

import requests


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
