"""The environment reader every settings module shares, and the paths it resolves against."""

from __future__ import annotations

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

# Everything chatmon writes on a laptop (SQLite database, secret key, embedded Valkey, logs) lives here.
VAR_DIR = Path(env.str("CHATMON_VAR_DIR", default=str(BASE_DIR / "var")))

CHATMON_ENV = env.str("CHATMON_ENV", default="development")
PRODUCTION = CHATMON_ENV == "production"
