"""Settings come from the environment with laptop-safe defaults; production refuses unsafe ones."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def settings_in_subprocess(env: dict[str, str], *names: str) -> subprocess.CompletedProcess:
    """Import chatmon.settings in a fresh interpreter with exactly `env` (plus PATH) and dump `names`."""
    code = f"import json, chatmon.settings as s; print(json.dumps({{n: str(getattr(s, n)) for n in {list(names)!r}}}))"
    base = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], env={**base, **env}, capture_output=True, text=True, cwd=ROOT)


def test_it_defaults_to_sqlite_and_the_embedded_valkey(tmp_path):
    result = settings_in_subprocess({"CHATMON_VAR_DIR": str(tmp_path)}, "DATABASES", "REDIS_URL", "EMBEDDED_VALKEY")
    values = json.loads(result.stdout)
    assert "sqlite3" in values["DATABASES"]
    assert "IMMEDIATE" in values["DATABASES"]
    assert "journal_mode=WAL" in values["DATABASES"]
    assert values["REDIS_URL"] == "redis://127.0.0.1:6390/0"
    assert values["EMBEDDED_VALKEY"] == "True"


def test_it_reads_database_and_redis_urls(tmp_path):
    env = {
        "CHATMON_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "postgres://app:pw@db.example:5433/chatmon",
        "REDIS_URL": "redis://cache.example:6380/2",
    }
    values = json.loads(settings_in_subprocess(env, "DATABASES", "CACHES", "CELERY_BROKER_URL").stdout)
    assert "chatmon.core.db.postgresql" in values["DATABASES"]  # django-prometheus' engine, with a grace
    assert "'CONN_HEALTH_CHECK_GRACE': 0.5" in values["DATABASES"]
    assert "db.example" in values["DATABASES"] and "5433" in values["DATABASES"]
    assert "redis://cache.example:6380/2" in values["CACHES"]
    assert values["CELERY_BROKER_URL"] == "redis://cache.example:6380/2"


def test_it_generates_and_keeps_a_secret_key_under_var(tmp_path):
    first = json.loads(settings_in_subprocess({"CHATMON_VAR_DIR": str(tmp_path)}, "SECRET_KEY").stdout)
    second = json.loads(settings_in_subprocess({"CHATMON_VAR_DIR": str(tmp_path)}, "SECRET_KEY").stdout)
    assert len(first["SECRET_KEY"]) >= 50
    assert first == second
    assert (tmp_path / "secret_key").read_text().strip() == first["SECRET_KEY"]


def test_it_refuses_production_without_a_secret_key(tmp_path):
    result = settings_in_subprocess({"CHATMON_VAR_DIR": str(tmp_path), "CHATMON_ENV": "production"}, "DEBUG")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when CHATMON_ENV=production" in result.stderr
    assert not (tmp_path / "secret_key").exists()


def test_it_is_clean_under_check_deploy_in_production(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(ROOT),
        "CHATMON_VAR_DIR": str(tmp_path),
        "CHATMON_ENV": "production",
        "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-0123456789",
        "ALLOWED_HOSTS": "chatmon.example.com",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/chatmon_deploycheck",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "METRICS_TOKEN": "scrape-token",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_uses_utc(settings):
    assert settings.TIME_ZONE == "UTC"
    assert settings.USE_TZ is True
