"""Signals for other apps (the audit log subscribes to these); violations never imports its listeners.

The ban signals are sent inside the transaction that changes the ban, so a receiver's writes (the audit event)
commit or roll back with it; receivers must not do slow or external work there (use transaction.on_commit).

violation_logged(sender=Violation, violation: Violation, outcome: ViolationOutcome)
    After each violation row is written (banned or not).
user_banned(sender=Ban, bans: list[Ban], user: User | None, ip: str | None, actor: User | None,
            automatic: bool, reason: str, duration_ms: int)
    When a ban (automatic or manual) is written for a user and/or an IP. `bans` holds one row per target.
    A soft ban (BAN_DURATION <= 0) writes no row and sends no user_banned; it only ends the user's sessions.
ban_lifted(sender=Ban, bans: list[Ban], user: User | None, ip: str | None, actor: User | None)
    When active bans are lifted (by an operator or a service call); `bans` are the rows that were lifted.
ban_extended(sender=Ban, bans: list[Ban], user: User | None, ip: str | None, actor: User | None,
             duration_ms: int, previous_expires_at: str, expires_at: str)
    When an active ban's expiry is pushed further (ISO 8601 times); `bans` holds the one row.
"""

from __future__ import annotations

from django.dispatch import Signal

violation_logged = Signal()
user_banned = Signal()
ban_lifted = Signal()
ban_extended = Signal()
