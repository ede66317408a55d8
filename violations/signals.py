"""Signals for other apps (the audit log subscribes to these); violations never imports its listeners.

violation_logged(sender=Violation, violation: Violation, outcome: ViolationOutcome)
    After each violation row is written (banned or not).
user_banned(sender=Ban, bans: list[Ban], user: User | None, ip: str | None, actor: User | None,
            automatic: bool, reason: str, duration_ms: int)
    After a ban (automatic or manual) is written for a user and/or an IP. `bans` holds one row per target.
    A soft ban (BAN_DURATION <= 0) writes no row and sends no user_banned; it only ends the user's sessions.
ban_lifted(sender=Ban, bans: list[Ban], user: User | None, ip: str | None, actor: User | None)
    After active bans were lifted (by an operator or a service call); `bans` are the rows that were lifted.
"""

from __future__ import annotations

from django.dispatch import Signal

violation_logged = Signal()
user_banned = Signal()
ban_lifted = Signal()
