"""Redis access for violations: score counters, fixed rate-limit windows, concurrency slots, the ban hash.

Every multi-step update is one Lua script, so concurrent requests and processes never race between the
read and the write. Clients use short socket timeouts: an outage must cost a request milliseconds, and
callers decide what an outage means (fail open, closed, or fall back to the database).
"""

from __future__ import annotations

import logging
import threading
import time

import redis

from violations import conf
from violations.types import ViolationType

logger = logging.getLogger(__name__)

# Add a score to a counter; each write restarts the TTL (LibreChat's VIOLATION_SCORE_TTL), 0 = keep forever.
_ADD_SCORE = """
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
if tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) else redis.call('PERSIST', KEYS[1]) end
return count
"""

# Fixed window: the first hit opens the window; every hit counts. Returns the hit number and the ms left.
_HIT_WINDOW = """
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
"""

# Take a generation slot: increment with a 60 s safety TTL; over the limit, give it back and return the
# negated count (LibreChat's concurrency script), so a rejected start never holds a slot.
_ACQUIRE = """
local count = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
if count > tonumber(ARGV[1]) then redis.call('DECR', KEYS[1]); return -count end
return count
"""

_RELEASE = """
local count = redis.call('DECR', KEYS[1])
if count <= 0 then redis.call('DEL', KEYS[1]) end
return count
"""

_clients: dict[tuple[str, float], redis.Redis] = {}
_scripts: dict[tuple[int, str], object] = {}

Error = (redis.RedisError, OSError)

# An outage is logged once, when a script or the ban view's sync first fails and when one next succeeds
# (callers log each fallback at DEBUG and count it in violations_redis_errors_total). violations may not import
# chatmon's equivalent.
_down_since: list[float] = []
_down_lock = threading.Lock()


def report_failure(exc: BaseException) -> None:
    with _down_lock:
        if _down_since:
            return
        _down_since.append(time.monotonic())
    logger.warning("violations: Redis unavailable, counters follow their failure modes until it recovers: %s", exc)


def report_answer() -> None:
    if not _down_since:
        return
    with _down_lock:
        if not _down_since:
            return
        seconds = time.monotonic() - _down_since.pop()
    logger.warning("violations: Redis is back after %.1f s", seconds)


def client() -> redis.Redis:
    """One client (and connection pool) per URL and timeout, shared by the threads of a process."""
    config = (conf.redis_url(), conf.redis_timeout())
    if config not in _clients:
        _clients[config] = redis.Redis.from_url(
            config[0], socket_timeout=config[1], socket_connect_timeout=config[1], decode_responses=True
        )
    return _clients[config]


def key(*parts: object) -> str:
    return ":".join([conf.key_prefix(), *map(str, parts)])


def _run(source: str, keys: list[str], args: list[object]):
    connection = client()
    script = _scripts.get((id(connection), source))
    if script is None:
        script = _scripts[(id(connection), source)] = connection.register_script(source)
    try:
        result = script(keys=keys, args=args)
    except Error as exc:
        report_failure(exc)
        raise
    report_answer()
    return result


def target(*, user_id=None, ip: str | None = None) -> str:
    return f"user:{user_id}" if user_id is not None else f"ip:{ip}"


def add_score(violation_type: str, who: str, score: int) -> int:
    """Add `score` to the type's counter for `who` (a target()); returns the new count."""
    return int(_run(_ADD_SCORE, [key("score", violation_type, who)], [score, conf.score_ttl_ms()]))


def scores_of(who: str) -> dict[str, int]:
    """The live counters of one target, by type (types with no counter are left out)."""
    types = [t.value for t in ViolationType]
    values = client().mget([key("score", t, who) for t in types])
    return {t: int(v) for t, v in zip(types, values, strict=True) if v is not None}


def hit_window(limiter: str, who: str, window_ms: int) -> tuple[int, int]:
    """Count one hit in the limiter's current window for `who`; returns (hits so far, ms until reset)."""
    count, ttl = _run(_HIT_WINDOW, [key("limit", limiter, who)], [window_ms])
    return int(count), int(ttl)


def acquire_slot(user_id: object, limit: int, ttl_seconds: int = 60) -> int:
    return int(_run(_ACQUIRE, [key("pending", user_id)], [limit, ttl_seconds]))


def release_slot(user_id: object) -> int:
    return int(_run(_RELEASE, [key("pending", user_id)], []))
