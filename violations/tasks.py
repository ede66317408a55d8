"""Periodic jobs (thin: they call services and return a JSON-able summary for JobRun)."""

from __future__ import annotations

from celery import shared_task

from violations import services, store
from violations.banview import active_from_db, view


@shared_task(name="violations.compute_trends")
def compute_trends(hours: int = 1) -> dict:
    """Count each of the last `hours` complete hours' violations per type (services.compute_trends)."""
    return services.compute_trends(hours=hours)


@shared_task(name="violations.purge_expired_bans")
def purge_expired_bans() -> dict:
    """Rebuild the Redis ban hash when it differs from the database's active bans (expired entries, or a
    change that could not be published while Redis was down)."""
    wanted = {key: int(expiry * 1000) for key, expiry in active_from_db().items()}
    cached = {key: int(value) for key, value in store.client().hgetall(store.key("bans")).items()}
    if cached == wanted:
        return {"active": len(wanted), "rebuilt": False}
    view.rebuild()
    return {"active": len(wanted), "removed": len(cached.keys() - wanted.keys()), "rebuilt": True}
