"""Signals for account events Django does not signal itself; a chat app sends them where it does the action,
and the audit log records them. Every one takes `user` (whose account) and optionally `request` and
`metadata` (a dict; sensitive keys are masked before it is stored).

email_verified(user, request=None, metadata=None)
two_factor_enabled(user, request=None, metadata=None)   e.g. metadata={"method": "totp"}
two_factor_verified(user, request=None, metadata=None, success=True)   a failed code is outcome "failure"
settings_changed(user, request=None, metadata=None)     e.g. metadata={"changed": ["language"]}
avatar_updated(user, request=None, metadata=None)
sessions_revoked(user, request=None, metadata=None)     e.g. metadata={"count": 3}
"""

from __future__ import annotations

from django.dispatch import Signal

email_verified = Signal()
two_factor_enabled = Signal()
two_factor_verified = Signal()
settings_changed = Signal()
avatar_updated = Signal()
sessions_revoked = Signal()
