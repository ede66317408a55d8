"""A streamed /api/chat/ reply served by gunicorn, traced to an OTLP receiver on loopback (figures, no asserts).

    .venv/bin/python bench/stream_trace.py

Runs the production path: gunicorn with deploy/gunicorn.conf.py and chatmon.wsgi (one worker), an embedded
Valkey, a scratch SQLite database, the demo chat app with its fake provider at 20 ms per chunk, and
OTEL_EXPORTER_OTLP_ENDPOINT pointing at a receiver in this process that decodes what the worker exports.
Prints the client's time for the reply, every span of its trace but SQL and Redis calls, with durations and
parents, and the access line's trace id.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SPANS: list = []


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        request = ExportTraceServiceRequest()
        request.ParseFromString(self.rfile.read(int(self.headers["Content-Length"])))
        SPANS.extend(span for batch in request.resource_spans for scope in batch.scope_spans for span in scope.spans)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def post(port: int, path: str, data: dict, cookie: str = "") -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("POST", path, json.dumps(data), {"Content-Type": "application/json", "Cookie": cookie})
    return connection.getresponse()


def main() -> None:
    from chatmon.testing.valkey import start_valkey

    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    valkey, folder, port = start_valkey(), Path(tempfile.mkdtemp(prefix="chatmon-trace-")), free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "examples.demo.settings", "DEBUG": "false",
           "DATABASE_URL": f"sqlite:///{folder}/db.sqlite3", "REDIS_URL": valkey.url, "LOG_DIR": str(folder),
           "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{receiver.server_address[1]}",
           "OTEL_BSP_SCHEDULE_DELAY": "500", "CHATAPP_FAKE_DELAY_MS": "20", "CHATAPP_DEMO_DATA": "false",
           "WEB_CONCURRENCY": "1", "GUNICORN_BIND": f"127.0.0.1:{port}", "CONSOLE_LOG_LEVEL": "http",
           "CONSOLE_JSON": "true"}  # fmt: skip
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    create = (
        "from django.contrib.auth import get_user_model; get_user_model().objects.create_user('tracer', '', 'pw-1')"
    )
    subprocess.run([*manage, "shell", "-c", create], env=env, check=True, cwd=ROOT, capture_output=True)
    web_log = (folder / "gunicorn.log").open("w")
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "chatmon.wsgi"],
                           env=env, cwd=ROOT, stdout=web_log, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        for _ in range(150):
            try:
                login = post(port, "/api/auth/login", {"username": "tracer", "password": "pw-1"})
                break
            except OSError:
                time.sleep(0.2)
        login.read()
        cookie = "; ".join(value.split(";")[0] for name, value in login.getheaders() if name.lower() == "set-cookie")
        SPANS.clear()
        started = time.perf_counter()
        reply = post(port, "/api/chat/", {"model": "gpt-4o", "text": "trace a streamed reply please"}, cookie)
        size = len(reply.read())
        print(f"client: {(time.perf_counter() - started) * 1000:.0f} ms for {size} bytes of SSE")
        time.sleep(3)  # the worker's batch exporter sends every 0.5 s here
    finally:
        web.terminate()
        web.wait(30)
        valkey.stop()
    [server] = [span for span in SPANS if span.name == "POST api/chat/" and span.kind == span.SPAN_KIND_SERVER]
    for span in sorted((s for s in SPANS if s.trace_id == server.trace_id), key=lambda s: s.start_time_unix_nano):
        if not span.name.endswith(" query") and span.kind != span.SPAN_KIND_CLIENT:
            parent = span.parent_span_id.hex() or "-"
            duration = (span.end_time_unix_nano - span.start_time_unix_nano) / 1e6
            print(f"{span.name:22} {duration:7.1f} ms  id {span.span_id.hex()}  parent {parent}")
    for line in (folder / "gunicorn.log").read_text().splitlines():
        if '"chatmon.access"' in line and "api/chat/" in line:
            access = json.loads(line)
            print(f"access line: {access['message']}  trace_id {access['trace_id']} (trace {server.trace_id.hex()})")


if __name__ == "__main__":
    main()
