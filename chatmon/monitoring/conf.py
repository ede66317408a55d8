"""Request-monitoring settings, read at call time so that override_settings works (defaults stated here)."""

from __future__ import annotations

from django.conf import settings


def _get(name: str, default):
    return getattr(settings, name, default)


def enabled() -> bool:
    # Off: the middleware removes itself (MiddlewareNotUsed) and nothing is buffered.
    return _get("MONITORING_ENABLED", True)


def flush_seconds() -> float:
    # How often each process sends its buffered rollups to Redis in one pipeline.
    return _get("MONITORING_FLUSH_SECONDS", 5.0)


def metrics_sync_seconds() -> float:
    # How often each process writes its batched request metrics (chatmon.monitoring.batched) for /metrics.
    return _get("MONITORING_METRICS_SYNC_SECONDS", 1.0)


def buffer_max_minutes() -> int:
    # While Redis is unreachable a process keeps at most this many minutes of rollups, then drops the oldest.
    return _get("MONITORING_BUFFER_MAX_MINUTES", 30)


def key_ttl_seconds() -> int:
    # Flushed rollups that no compaction ever picks up (beat not running) expire from Redis after this long.
    return _get("MONITORING_KEY_TTL_SECONDS", 2 * 86400)


def active_users_minutes() -> int:
    # "Active users" = distinct signed-in users seen in this many most recent minutes.
    return _get("MONITORING_ACTIVE_USERS_MINUTES", 5)


def compacted_batch_retention_days() -> int:
    # How long compaction remembers the batches it has written (what makes a rerun a no-op).
    return _get("MONITORING_COMPACTED_BATCH_RETENTION_DAYS", 7)


def browser_families() -> list[str]:
    # User-agent browser families counted by name; any other family is counted as "Other" (bounded labels).
    return _get(
        "MONITORING_BROWSER_FAMILIES",
        ["Chrome", "Chrome Mobile", "Firefox", "Firefox Mobile", "Safari", "Mobile Safari", "Edge",
         "Opera", "Samsung Internet", "Chromium", "Electron", "Python Requests", "curl", "okhttp", "node-fetch"],
    )  # fmt: skip


def os_families() -> list[str]:
    # Operating-system families counted by name; any other is "Other".
    return _get(
        "MONITORING_OS_FAMILIES", ["Windows", "Mac OS X", "Linux", "Ubuntu", "Android", "iOS", "Chrome OS", "FreeBSD"]
    )


def feature_events() -> list[str]:
    # Feature-event names the browser endpoint accepts (it is public to signed-in users, so it is an allowlist).
    return _get(
        "MONITORING_FEATURE_EVENTS",
        ["conversation.shared", "conversation.exported", "message.copied", "message.regenerated",
         "message.feedback", "file.uploaded", "prompt.saved"],
    )  # fmt: skip


def generations_enabled() -> bool:
    # Off: record_generation() and record_feedback() count nothing (the chat app's calls stay in place).
    return _get("MONITORING_GENERATIONS_ENABLED", True)


def generation_providers() -> list[str]:
    # Provider (endpoint) labels of generations counted by name, compared case-insensitively; any other is
    # "other" (bounded labels). LibreChat's endpoint names, plus custom endpoints an operator adds here.
    return _get(
        "MONITORING_GENERATION_PROVIDERS",
        ["openAI", "azureOpenAI", "anthropic", "google", "bedrock", "assistants", "azureAssistants", "agents",
         "custom", "openrouter", "groq", "mistral", "ollama", "deepseek", "xai", "fake"],
    )  # fmt: skip


def celery_queues() -> list[str]:
    # Queues whose depth /metrics reports; empty means the default queue only.
    return _get("MONITORING_CELERY_QUEUES", []) or [_get("CELERY_TASK_DEFAULT_QUEUE", "celery")]


def redis_prefix() -> str:
    return f"{_get('REDIS_NAMESPACE', 'chatmon')}:mon"


def redis_url() -> str:
    return _get("MONITORING_REDIS_URL", "") or _get("REDIS_URL", "redis://127.0.0.1:6379/0")
