"""Redis layout of flushed rollups, the batched flush, and the atomic claim that compaction starts with.

Keys (under `<REDIS_NAMESPACE>:mon`):
- `req:<minute>`   hash "route\\tmethod\\tfield" -> int: request rollups of one minute (epoch seconds)
- `gen:<minute>`   hash "model\\tprovider\\tfield" -> int: generation rollups of one minute (model = value key)
- `day:<date>`     hash "kind\\tname" -> int: per-day counts (browser and OS families, feature events)
- `hll:<minute>`, `hlld:<date>`   HyperLogLogs of the user ids seen in that minute / day
- `pending`        set of `req:`/`gen:`/`day:` keys holding data not yet compacted
- `hll-pending`    set of HyperLogLog keys whose count is not yet stored in the database
- `claims`         set of `claim:<token>:<key>` keys: data moved out by a compaction, until written
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

import redis

from chatmon.monitoring import clients, conf, generation_fields
from chatmon.monitoring.aggregator import FIELDS, Batch, day_of, minute_of

SEP = "\t"

# Moving a key out of `pending` and renaming it to a claim is one atomic step, so a flush that lands
# afterwards starts a fresh key (compacted next time) and two compactions can never claim the same data.
_CLAIM = """
redis.call('SREM', KEYS[3], KEYS[1])
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('RENAME', KEYS[1], KEYS[2])
  redis.call('SADD', KEYS[4], KEYS[2])
  return 1
end
return 0
"""

_clients: dict[tuple[int, str], redis.Redis] = {}


def client() -> redis.Redis:
    """One connection pool per process and URL (a forked worker must not share its parent's sockets)."""
    url = conf.redis_url()
    key = (os.getpid(), url)
    if key not in _clients:
        _clients[key] = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    return _clients[key]


def key(name: str) -> str:
    return f"{conf.redis_prefix()}:{name}"


def flush(batch: Batch, conn: redis.Redis | None = None) -> None:
    """Write a drained batch to Redis in one MULTI/EXEC pipeline: it lands whole or not at all."""
    conn = conn or client()
    ttl = conf.key_ttl_seconds()
    pipe = conn.pipeline(transaction=True)
    touched = set()
    for (minute, route, method), row in batch.requests.items():
        touched.add(name := key(f"req:{minute}"))
        for field, value in zip(FIELDS, row, strict=True):
            if value:
                pipe.hincrby(name, f"{route}{SEP}{method}{SEP}{field}", value)
    for (minute, model, provider), row in batch.generations.items():
        touched.add(name := key(f"gen:{minute}"))
        for field, value in zip(generation_fields.FIELDS, row, strict=True):
            if value:
                pipe.hincrby(name, f"{model}{SEP}{provider}{SEP}{field}", value)
    for (day, kind, label), n in _day_counts(batch).items():
        touched.add(name := key(f"day:{day}"))
        pipe.hincrby(name, f"{kind}{SEP}{label}", n)
    for minute, users in batch.users.items():
        for name in (key(f"hll:{minute}"), key(f"hlld:{day_of(minute)}")):
            pipe.pfadd(name, *users)
            pipe.expire(name, ttl)
            pipe.sadd(key("hll-pending"), name)
    for name in touched:
        pipe.expire(name, ttl)
        pipe.sadd(key("pending"), name)
    pipe.execute()


def _day_counts(batch: Batch) -> dict[tuple[str, str, str], int]:
    """Feature counts as recorded, plus browser/OS families parsed from the user agents (off the request path)."""
    counts = dict(batch.counts)
    for (day, agent), n in batch.agents.items():
        browser, system = clients.families(agent)
        for kind, label in (("browser", browser), ("os", system)):
            counts[(day, kind, label)] = counts.get((day, kind, label), 0) + n
    return counts


@dataclass(frozen=True)
class Claim:
    name: str  # the claim key
    kind: str  # "req", "gen" or "day"
    period: str  # epoch minute or ISO date


def claim_ready(conn: redis.Redis, *, now: float) -> int:
    """Claim every pending key that is ready: finished minutes, and day counts (additive, so any time)."""
    current = minute_of(now)
    script = conn.register_script(_CLAIM)
    token = uuid.uuid4().hex
    claimed = 0
    for raw in conn.smembers(key("pending")):
        name = raw.decode()
        kind, _, period = name.rpartition(":")
        if kind.endswith((":req", ":gen")) and int(period) >= current:
            continue
        source_suffix = name[len(conf.redis_prefix()) + 1 :]
        claimed += script(keys=[name, key(f"claim:{token}:{source_suffix}"), key("pending"), key("claims")])
    return claimed


def claims(conn: redis.Redis) -> list[Claim]:
    """Every claimed key not yet written, including those a crashed compaction left behind."""
    found = []
    for raw in conn.smembers(key("claims")):
        name = raw.decode()
        kind, period = name.split(":")[-2:]
        found.append(Claim(name=name, kind=kind, period=period))
    return sorted(found, key=lambda claim: claim.name)


def read_claim(conn: redis.Redis, claim: Claim) -> dict[tuple[str, ...], dict[str, int]]:
    """A claimed hash as {(route, method) or (model, provider) or (kind, name): {field: value}}."""
    grouped: dict[tuple[str, ...], dict[str, int]] = {}
    for raw_field, raw_value in conn.hgetall(claim.name).items():
        *group, field = raw_field.decode().split(SEP)
        if claim.kind == "day":
            group, field = [*group, field], "count"
        grouped.setdefault(tuple(group), {})[field] = int(raw_value)
    return grouped


def release(conn: redis.Redis, claim: Claim) -> None:
    pipe = conn.pipeline(transaction=True)
    pipe.delete(claim.name)
    pipe.srem(key("claims"), claim.name)
    pipe.execute()


def pending_user_counts(conn: redis.Redis, *, now: float) -> list[tuple[str, str, int]]:
    """(resolution, period, distinct users) for each HyperLogLog awaiting its count.

    A key leaves `hll-pending` before it is counted, so a flush landing after the count puts it back.
    Today's key stays pending: its count keeps growing all day.
    """
    current, today = minute_of(now), day_of(now)
    results = []
    for raw in conn.smembers(key("hll-pending")):
        name = raw.decode()
        kind, period = name.split(":")[-2:]
        still_open = (kind == "hll" and int(period) >= current) or (kind == "hlld" and period == today)
        if not still_open:
            conn.srem(key("hll-pending"), name)
        results.append(("day" if kind == "hlld" else "minute", period, conn.pfcount(name)))
    return results


def active_users(conn: redis.Redis, *, now: float, minutes: int) -> int:
    """Distinct users over the last `minutes` minutes (the union of the per-minute HyperLogLogs)."""
    current = minute_of(now)
    return conn.pfcount(*(key(f"hll:{current - 60 * i}") for i in range(minutes)))
