"""Ban records: issue (automatic or manual), extend, lift, look up, and end a banned user's sessions."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from violations import conf, metrics, store
from violations.banview import view
from violations.clientip import normalize
from violations.models import Ban
from violations.signals import ban_extended, ban_lifted, user_banned
from violations.types import ViolationType

logger = logging.getLogger(__name__)


def resolve_user(user):
    """A user instance from an instance or a primary key (int or str); None stays None."""
    if user is None or hasattr(user, "pk"):
        return user
    return get_user_model().objects.filter(pk=user).first()


def active_ban(*, user=None, ip: str | None = None) -> Ban | None:
    """The active ban (latest expiry) of the user or the IP, read from the database."""
    user = resolve_user(user)
    ip = normalize(ip) or None
    if user is None and ip is None:
        return None
    bans = Ban.objects.active().for_target(user_id=user.pk if user else None, ip=ip)
    return bans.order_by("-expires_at").first()


def _upsert(kind: str, expires_at: datetime, **fields) -> Ban:
    """Extend the target's active ban to the later expiry, or write a new one."""
    lookup = {"user_id": fields["user"].pk} if kind == Ban.Kind.USER else {"ip": fields["ip"]}
    current = Ban.objects.active().filter(kind=kind, **lookup).select_for_update().first()
    if current is None:
        return Ban.objects.create(kind=kind, expires_at=expires_at, **fields)
    if expires_at > current.expires_at:
        current.expires_at = expires_at
        current.save(update_fields=["expires_at"])
    return current


def ban(
    *,
    user=None,
    ip: str | None = None,
    duration_ms: int | None = None,
    reason: str = "",
    actor=None,
    automatic: bool = False,
    violation_type: str = "",
    violation_count: int | None = None,
) -> Ban:
    """Ban a user, an IP or both for `duration_ms` (default BAN_DURATION) and end the user's sessions.

    Returns the user's ban when a user is given, else the IP's. Raises ValueError without a target or with
    a duration <= 0 (a manual ban must last; the automatic soft ban never calls this)."""
    user = resolve_user(user)
    ip = normalize(ip) or None
    duration_ms = conf.ban_duration_ms() if duration_ms is None else int(duration_ms)
    if user is None and ip is None:
        raise ValueError("a ban needs a user or an IP address")
    if duration_ms <= 0:
        raise ValueError("a ban needs a positive duration")
    expires_at = timezone.now() + timedelta(milliseconds=duration_ms)
    common = {
        "source": Ban.Source.AUTOMATIC if automatic else Ban.Source.MANUAL,
        "reason": reason[:200],
        "violation_type": violation_type,
        "violation_count": violation_count,
        "created_by": actor,
    }
    with transaction.atomic():
        bans = [_upsert(Ban.Kind.USER, expires_at, user=user, **common)] if user else []
        if ip:
            bans.append(_upsert(Ban.Kind.IP, expires_at, ip=ip, **common))
        # Inside the transaction: the audit event commits or rolls back with the ban rows.
        user_banned.send(
            sender=Ban,
            bans=bans,
            user=user,
            ip=ip,
            actor=actor,
            automatic=automatic,
            reason=reason,
            duration_ms=duration_ms,
        )
    view.refresh(b.cache_key for b in bans)
    if user:
        end_sessions(user.pk)
    logger.info("[BAN] Banning %s for %s minutes (%s)", ", ".join(b.target for b in bans), duration_ms / 60000, reason)
    for b in bans:
        metrics.BANS.labels(kind=b.kind, source=b.source, reason=violation_type or "manual").inc()
    return bans[0]


def extend_ban(ban_row: Ban, *, duration_ms: int, actor=None) -> Ban:
    """Push a ban's expiry `duration_ms` further (admin action), from now if it has expired. The actor is
    recorded by the audit event (`violations.ban_extended`), written in the same transaction."""
    if duration_ms <= 0:
        raise ValueError("an extension needs a positive duration")
    with transaction.atomic():
        # The row as it stands, locked: the expiry is pushed from the stored value, not a stale copy.
        ban_row = Ban.objects.select_for_update(of=("self",)).select_related("user").get(pk=ban_row.pk)
        previous = ban_row.expires_at
        ban_row.expires_at = max(previous, timezone.now()) + timedelta(milliseconds=duration_ms)
        ban_row.save(update_fields=["expires_at"])
        ban_extended.send(
            sender=Ban,
            bans=[ban_row],
            user=ban_row.user,
            ip=ban_row.ip or None,
            actor=actor,
            duration_ms=duration_ms,
            previous_expires_at=previous.isoformat(),
            expires_at=ban_row.expires_at.isoformat(),
        )
    view.refresh([ban_row.cache_key])
    return ban_row


def lift_ban(*, user=None, ip: str | None = None, actor=None, bans=None) -> int:
    """Lift the active bans of a user and/or an IP (or the given `bans` rows): records, Redis and the view,
    plus the target's score counters, so the next violation starts from zero. Returns how many were lifted."""
    user = resolve_user(user)
    ip = normalize(ip) or None
    if bans is None:
        bans = Ban.objects.active().for_target(user_id=user.pk if user else None, ip=ip)
    with transaction.atomic():
        lifted = list(Ban.objects.active().filter(pk__in=[b.pk for b in bans]).select_for_update())
        if not lifted:
            return 0
        Ban.objects.filter(pk__in=[b.pk for b in lifted]).update(lifted_at=timezone.now(), lifted_by=actor)
        # Inside the transaction: the audit event commits or rolls back with the lift.
        ban_lifted.send(sender=Ban, bans=lifted, user=user, ip=ip, actor=actor)
    keys = {b.cache_key for b in lifted}
    view.refresh(keys)
    _clear_scores(keys)
    return len(lifted)


def _clear_scores(keys: set[str]) -> None:
    try:
        store.client().delete(*[store.key("score", t.value, k) for t in ViolationType for k in keys])
    except store.Error as exc:
        logger.warning("violations: could not clear score counters of %s: %s", sorted(keys), exc)


def end_sessions(user_id) -> int:
    """End every session of the user (LibreChat deletes the refresh-token sessions). Needs a session engine
    whose sessions can be listed (db or cached_db); with others it logs that it could not."""
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store_class, "get_model_class"):
        logger.warning("violations: session engine %s cannot list sessions to end them", settings.SESSION_ENGINE)
        return 0
    ended = 0
    sessions = store_class.get_model_class().objects.filter(expire_date__gt=timezone.now())
    for session in sessions.iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user_id):
            store_class(session.session_key).delete()
            ended += 1
    return ended
