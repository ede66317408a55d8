"""A scratch chatmon for benchmarks that run it as other processes (gunicorn, manage.py): its environment, its
database migrated, and `manage.py shell` to make what a run needs in it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def prepare(tmp: Path, settings_module: str, **env: str) -> dict:
    """The environment of a chatmon with its files under `tmp`: SQLite there unless DATABASE_URL (in `env` or
    this process's) names a database, REDIS_URL or an embedded Valkey stopped with this process, DEBUG off."""
    prepared = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "CHATMON_VAR_DIR": str(tmp),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        **env,
    }
    prepared.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'bench.sqlite3'}")
    if not prepared.get("REDIS_URL"):
        from chatmon.testing.valkey import start_valkey

        prepared["REDIS_URL"] = start_valkey().url
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=prepared, check=True)
    return prepared


def shell(env: dict, code: str) -> str:
    """The last line `code` prints, run by `manage.py shell` in the prepared chatmon."""
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True, capture_output=True,
        text=True,
    ).stdout.strip().splitlines()[-1]  # fmt: skip
