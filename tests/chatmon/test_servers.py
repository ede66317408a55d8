"""chatmon.testing.servers: the readiness poll the tests that start real servers rely on."""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from chatmon.testing.servers import free_port, wait_until_serving


class Healthz(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format, *args) -> None:
        pass


def silent_listener(port: int) -> socket.socket:
    """A socket that takes connections (the kernel completes the handshake) and never answers: a server
    whose workers are still booting, or one too loaded to answer within the poll's timeout."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(64)
    return sock


def test_it_keeps_polling_through_read_timeouts_until_the_server_answers():
    port = free_port()
    silent = silent_listener(port)
    started: list[HTTPServer] = []

    def answer_later() -> None:
        time.sleep(2.5)  # at least two polls time out on the silent socket first
        silent.close()
        server = HTTPServer(("127.0.0.1", port), Healthz)
        started.append(server)
        server.serve_forever()

    threading.Thread(target=answer_later, daemon=True).start()
    try:
        began = time.monotonic()
        wait_until_serving(f"http://127.0.0.1:{port}", timeout=20)
        assert time.monotonic() - began >= 2.5
    finally:
        for server in started:
            server.shutdown()
            server.server_close()


def test_it_gives_up_at_the_deadline_when_the_server_never_answers():
    port = free_port()
    with silent_listener(port):
        began = time.monotonic()
        with pytest.raises(RuntimeError, match=r"did not start within 2s .*timed out"):
            wait_until_serving(f"http://127.0.0.1:{port}", timeout=2)
        assert time.monotonic() - began < 4
