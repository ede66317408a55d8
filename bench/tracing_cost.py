"""What tracing costs when it is off, and when it is on (figures, no asserts).

    .venv/bin/python bench/tracing_cost.py

1. `import redis` in a fresh interpreter, with OpenTelemetry installed and with it hidden: redis-py 8 imports
   OpenTelemetry's metrics SDK whenever it is installed, tracing on or off (best of 7 runs each).
2. The OpenTelemetry modules loaded after Django's setup and one request with tracing off, and how many of
   them `import redis` alone loads (chatmon itself should add none).
3. Per request: GET /healthz through the WSGI application as gunicorn serves it (chatmon.wsgi's wrapping),
   tracing off, then on (spans made and handed to an exporter that drops them), best of 5 rounds.

Times are CPU time of the measuring process (time.process_time), which other processes on a busy machine
disturb less than wall time.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
REQUESTS, ROUNDS = 2000, 5

HIDE_OTEL = """
class Hide:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "opentelemetry":
            raise ModuleNotFoundError(name)
sys.meta_path.insert(0, Hide())
"""
IMPORT_REDIS = """
import sys, time
{hide}
started = time.process_time()
import redis
print(time.process_time() - started, sum(name.split(".")[0] == "opentelemetry" for name in sys.modules))
"""
AFTER_SETUP = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "examples.demo.settings")
import django
django.setup()
from django.test import Client
Client().get("/healthz")
print(sum(name.split(".")[0] == "opentelemetry" for name in sys.modules))
"""


def _python(code: str) -> str:
    env = {key: value for key, value in os.environ.items() if not key.startswith("OTEL_")}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env,
                          check=True).stdout.split("\n")[-2]  # fmt: skip


def import_redis(hide: bool) -> tuple[float, int]:
    runs = [_python(IMPORT_REDIS.format(hide=HIDE_OTEL if hide else "")).split() for _ in range(7)]
    return min(float(seconds) for seconds, _ in runs) * 1000, int(runs[0][1])


def per_request_us(application) -> float:
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/healthz", "SERVER_NAME": "testserver", "SERVER_PORT": "80",
               "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http", "REMOTE_ADDR": "127.0.0.1"}  # fmt: skip
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.process_time()
        for _ in range(REQUESTS):
            result = application({**environ, "wsgi.input": io.BytesIO(), "wsgi.errors": io.StringIO()},
                                 lambda status, headers, exc_info=None: None)  # fmt: skip
            b"".join(result)
            result.close()
        best = min(best, (time.process_time() - started) / REQUESTS * 1e6)
    return best


def main() -> None:
    (shown_ms, shown_modules), (hidden_ms, _) = import_redis(hide=False), import_redis(hide=True)
    print(f"import redis: {shown_ms:.0f} ms with OpenTelemetry installed ({shown_modules} of its modules), "
          f"{hidden_ms:.0f} ms without; +{shown_ms - hidden_ms:.0f} ms")  # fmt: skip
    print(f"after setup and a request, tracing off: {_python(AFTER_SETUP)} OpenTelemetry modules loaded "
          f"(import redis alone: {shown_modules})")  # fmt: skip

    from chatmon.testing.valkey import start_valkey

    valkey = start_valkey()  # request monitoring flushes to it
    os.environ.update(REDIS_URL=valkey.url, DEBUG="false")
    os.environ.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "examples.demo.settings")
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

    from chatmon.logging import tracing

    class Drop(SpanExporter):
        def export(self, spans) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    off = per_request_us(tracing.wrap_wsgi(WSGIHandler()))
    tracing.setup(exporter=Drop())
    on = per_request_us(tracing.wrap_wsgi(WSGIHandler()))
    print(f"GET /healthz per request: {off:.0f} us tracing off, {on:.0f} us on (+{on - off:.0f} us)")
    from chatmon.monitoring import flusher

    tracing.shutdown()
    flusher.flush()  # now, while the server still runs, rather than at exit
    valkey.stop()


if __name__ == "__main__":
    main()
