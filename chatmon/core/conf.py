"""The core app's settings, read at call time so that override_settings works (defaults stated here).

chatmon/settings/ maps environment variables onto these names for chatmon's own project; a chat app that
installs chatmon sets them in its settings, or lives with the defaults below.
"""

from __future__ import annotations

from django.conf import settings


def _get(name: str, default):
    return getattr(settings, name, default)


def metrics_token() -> str:
    # /metrics requires `Authorization: Bearer <token>` when set.
    return _get("METRICS_TOKEN", "")


def metrics_allowed_ips() -> list[str]:
    # Addresses/CIDRs that may scrape /metrics without the token (the direct peer, never X-Forwarded-For).
    return _get("METRICS_ALLOWED_IPS", [])


def beat_max_age_seconds() -> int:
    # /health/ fails when no beat job has succeeded for this long.
    return _get("CHATMON_BEAT_MAX_AGE_SECONDS", 300)


def job_run_retention_days() -> int:
    # JobRun history kept by chatmon.prune_job_runs.
    return _get("CHATMON_JOB_RUN_RETENTION_DAYS", 30)


def redis_url() -> str:
    # The Redis that holds chatmon's counters and caches; the cache and Celery usually point at it too.
    return _get("REDIS_URL", "redis://127.0.0.1:6379/0")


def embedded_valkey() -> bool:
    # True when chatmon's own project starts an embedded Valkey (REDIS_URL unset): only its devstack sets it.
    return _get("EMBEDDED_VALKEY", False)


def celery_broker_url() -> str:
    return _get("CELERY_BROKER_URL", "")


def json_max_body_bytes() -> int:
    # JSON bodies larger than this are refused with 413 before they are read (the chat app, feature events);
    # the HTTP API has its own API_MAX_BODY_BYTES.
    return int(_get("CHATMON_JSON_MAX_BODY_BYTES", 1024 * 1024))


def json_max_depth() -> int:
    # JSON nested deeper than this (arrays and objects) is refused with 400 on every endpoint.
    return int(_get("CHATMON_JSON_MAX_DEPTH", 64))
