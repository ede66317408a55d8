"""A scratch chatmon for benchmarks that run it as other processes (gunicorn, manage.py): its environment, its
database new and migrated, and `manage.py shell` to make what a run needs in it."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def prepared(tmp: Path, settings_module: str, **env: str) -> Iterator[dict]:
    """The environment of a chatmon with its files under `tmp`, DEBUG off: SQLite there unless DATABASE_URL (in
    `env` or this process's) names a PostgreSQL server, on which a new database is made for the run and dropped
    after it; REDIS_URL, or an embedded Valkey stopped with this process.

    A new database each run, on PostgreSQL too: rows and dead row versions left by earlier runs made later ones
    slower (this machine's server runs without autovacuum), so runs of the same code did not compare."""
    prepared_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "CHATMON_VAR_DIR": str(tmp),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        **env,
    }
    prepared_env.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'bench.sqlite3'}")
    if not prepared_env.get("REDIS_URL"):
        from chatmon.testing.valkey import start_valkey

        prepared_env["REDIS_URL"] = start_valkey().url
    with _new_database(prepared_env["DATABASE_URL"]) as url:
        prepared_env["DATABASE_URL"] = url
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=prepared_env, check=True)
        yield prepared_env


@contextmanager
def _new_database(url: str) -> Iterator[str]:
    """`url` itself for SQLite; for PostgreSQL, a new database beside the one it names, dropped afterwards."""
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        yield url
        return
    import psycopg
    from psycopg import sql

    name = f"{parts.path.lstrip('/') or 'chatmon'}_{secrets.token_hex(4)}"
    server = urlunsplit(("postgresql", parts.netloc, "/postgres", parts.query, ""))
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def shell(env: dict, code: str) -> str:
    """The last line `code` prints, run by `manage.py shell` in the prepared chatmon."""
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True, capture_output=True,
        text=True,
    ).stdout.strip().splitlines()[-1]  # fmt: skip
