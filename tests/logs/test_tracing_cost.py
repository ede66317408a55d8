"""With tracing off chatmon loads no OpenTelemetry module of its own, and the docs say what redis-py loads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # three fresh interpreters, one of them starting Django
ROOT = Path(__file__).resolve().parents[2]

HIDE_OPENTELEMETRY = """
class Hide:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "opentelemetry":
            raise ModuleNotFoundError(name)
sys.meta_path.insert(0, Hide())
"""
SERVE_ONE_REQUEST = """
import io, json, os, sys
{hide}
os.environ["DJANGO_SETTINGS_MODULE"] = "examples.demo.settings"
from chatmon.wsgi import application
statuses = []
environ = {{"REQUEST_METHOD": "GET", "PATH_INFO": "/healthz", "SERVER_NAME": "testserver", "SERVER_PORT": "80",
           "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(),
           "wsgi.errors": io.StringIO(), "REMOTE_ADDR": "127.0.0.1"}}
result = application(environ, lambda status, headers, exc_info=None: statuses.append(status))
b"".join(result)
result.close()
print(json.dumps({{"status": statuses[0], "otel": sorted(m for m in sys.modules if m.startswith("opentelemetry"))}}))
"""
IMPORT_REDIS = """
import json, sys
import redis
print(json.dumps(sorted(m for m in sys.modules if m.startswith("opentelemetry"))))
"""


def _run(code: str):
    env = {key: value for key, value in os.environ.items() if not key.startswith("OTEL_")}  # tracing off
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


def test_chatmon_loads_no_opentelemetry_module_that_redis_py_does_not():
    served = _run(SERVE_ONE_REQUEST.format(hide=""))
    assert served["status"] == "200 OK"
    assert set(served["otel"]) <= set(_run(IMPORT_REDIS))


def test_it_serves_without_opentelemetry_installed():
    served = _run(SERVE_ONE_REQUEST.format(hide=HIDE_OPENTELEMETRY))
    assert (served["status"], served["otel"]) == ("200 OK", [])


def test_the_docs_say_that_redis_py_imports_opentelemetry_with_tracing_off():
    loaded = _run(IMPORT_REDIS)
    logging_doc = (ROOT / "docs/logging.md").read_text()
    monitoring_doc = (ROOT / "docs/monitoring.md").read_text()
    if loaded:  # redis-py 8 imports OpenTelemetry's metrics SDK whenever it is installed
        assert "Off, nothing is imported" not in logging_doc
        assert f"redis-py 8 imports OpenTelemetry's metrics SDK (`redis.observability`, {len(loaded)} modules)" in (
            monitoring_doc
        )
