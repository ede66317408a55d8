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
    """Poll `base_url`/healthz until the server answers at all."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(f"{base_url}/healthz", timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise RuntimeError(f"{base_url} did not start within {timeout:.0f}s")
