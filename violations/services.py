"""The violations API: log a violation (score counters, history row, automatic ban) and manage bans.

log_violation follows LibreChat's logViolation + banViolation, with two changes the issue asks for:
violations of anonymous callers are counted for their IP (so a login brute force can be banned), and
staff, allowlisted users and allowlisted IPs are never banned automatically.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import math
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.module_loading import import_string

from violations import conf, metrics, store
from violations.bans import active_ban, ban, end_sessions, extend_ban, lift_ban, resolve_user
from violations.clientip import normalize
from violations.models import Violation
from violations.signals import violation_logged
from violations.trends import compute_trends
from violations.types import ViolationType

__all__ = [
    "ViolationOutcome",
    "active_ban",
    "ban",
    "ban_threshold_crossed",
    "compute_trends",
    "extend_ban",
    "lift_ban",
    "log_violation",
]

logger = logging.getLogger(__name__)

# Keys whose values never reach the history table (token_cost and prompt_tokens are counts, not secrets).
_SENSITIVE = re.compile(r"pass(word|wd)|secret|authorization|cookie|api[_-]?key|(^|_)token$|^session", re.I)


@dataclass
class ViolationOutcome:
    prev_count: int
    count: int
    banned: bool = False
    ban_duration_ms: int | None = None
    violation: Violation | None = None
    date: str = field(default_factory=lambda: timezone.now().isoformat())

    def fields(self) -> dict[str, Any]:
        """What LibreChat adds to the error object it returns: prev_count, violation_count, date, ban."""
        extra = {"prev_count": self.prev_count, "violation_count": self.count, "date": self.date}
        if self.banned:
            extra |= {"ban": True, "ban_duration": self.ban_duration_ms}
        return extra


def ban_threshold_crossed(prev_count: float, count: float, interval: float) -> bool:
    """LibreChat's rule: ban when the count crosses a multiple of the interval (19 -> 20 and 19 -> 60 ban
    once, 20 -> 21 and 0 -> 19 do not). A count that is not positive or an interval <= 0 never bans."""
    if interval <= 0 or count <= 0:
        return False
    return math.floor(prev_count / interval) < math.floor(count / interval)


def _exempt_user(user) -> bool:
    if user is None:
        return False
    if conf.exempt_staff() and (user.is_staff or user.is_superuser):
        return True
    return str(user.pk) in conf.exempt_user_ids()


def _ip_bannable(ip: str | None) -> bool:
    if not ip:
        return False
    address = ipaddress.ip_address(ip)
    return not any(address in network for network in conf.exempt_networks())


def redact_details(details: dict | None) -> dict:
    """JSON-safe details with secrets removed (VIOLATIONS_DETAILS_REDACTOR may name a better function)."""
    path = conf._get("VIOLATIONS_DETAILS_REDACTOR", "")
    plain = json.loads(json.dumps(details or {}, default=str))
    if path:
        return import_string(path)(plain)
    return {k: "[REDACTED]" if _SENSITIVE.search(k) else v for k, v in plain.items()}


def _apply_ban(user, ip: str | None, violation_type: str, count: int) -> int | None:
    """The ban step of a threshold crossing; returns the ban duration when a ban record was written."""
    if not conf.ban_enabled() or _exempt_user(user) or (user is None and not _ip_bannable(ip)):
        return None
    if user is not None:
        end_sessions(user.pk)  # also for the soft ban (BAN_DURATION <= 0), as LibreChat does
    duration = conf.ban_duration_ms()
    if duration <= 0:
        return None
    ban_ip = ip if _ip_bannable(ip) else None
    ban(
        user=user,
        ip=ban_ip,
        duration_ms=duration,
        automatic=True,
        violation_type=violation_type,
        violation_count=count,
        reason=f"{violation_type} score reached {count}",
    )
    return duration


def _count(violation_type: str, user, ip: str | None, score: int) -> tuple[int, int] | None:
    who = store.target(user_id=user.pk) if user is not None else store.target(ip=ip)
    try:
        count = store.add_score(violation_type, who, score)
    except store.Error as exc:
        metrics.REDIS_ERRORS.labels(operation="score").inc()
        logger.debug("violations: score counter unavailable, %s not counted: %s", violation_type, exc)
        return None
    return count - score, count


def log_violation(
    *,
    type,
    user=None,
    ip: str | None = None,
    score: int | None = None,
    details: dict | None = None,
    request_id: str = "",
) -> ViolationOutcome:
    """Count a violation for the user (or, when nobody is logged in, for the IP), ban on a threshold
    crossing, and store the violation row. `score=None` uses the type's configured score."""
    violation_type = ViolationType(type).value
    score = conf.score(violation_type) if score is None else int(score)
    user = resolve_user(user)
    ip = normalize(ip) or None
    if user is None and ip is None:
        return ViolationOutcome(prev_count=0, count=0)
    counted = _count(violation_type, user, ip, score)
    prev_count, count = counted if counted else (0, 0)
    duration = None
    if counted and ban_threshold_crossed(prev_count, count, conf.ban_interval()):
        duration = _apply_ban(user, ip, violation_type, count)
    outcome = ViolationOutcome(
        prev_count=prev_count, count=count, banned=duration is not None, ban_duration_ms=duration
    )
    outcome.violation = Violation.objects.create(
        type=violation_type,
        user=user,
        ip=ip,
        score=score,
        prev_count=prev_count,
        count=count,
        banned=outcome.banned,
        details=redact_details(details) | ({} if counted else {"uncounted": True}),
        request_id=request_id[:128],
    )
    metrics.VIOLATIONS.labels(type=violation_type).inc()
    violation_logged.send(sender=Violation, violation=outcome.violation, outcome=outcome)
    return outcome
