"""Startup check of the Redis/Valkey server that cache, counters and the Celery broker share."""

from __future__ import annotations

import sys

import redis

from chatmon.core import conf


def redis_error(url: str | None = None) -> str | None:
    """None when Redis answers PING at `url` (default: settings.REDIS_URL), else why not."""
    url = url or conf.redis_url()
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
    except (redis.RedisError, OSError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def require_redis() -> None:
    """Exit with one line naming REDIS_URL, instead of a traceback later, when Redis cannot be reached."""
    error = redis_error()
    if error:
        where = "REDIS_URL" if not conf.embedded_valkey() else "the embedded Valkey (REDIS_URL is unset)"
        sys.stderr.write(f"chatmon: cannot reach Redis at {_without_password(conf.redis_url())} ({where}): {error}\n")
        raise SystemExit(2)


def _without_password(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url
