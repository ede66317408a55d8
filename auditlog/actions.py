"""The audit actions, grouped by domain: `<domain>.<verb>`. Chat apps register their own with register_action().

The domain is the part before the first dot; the admin filters and retention overrides work per domain.
"""

from __future__ import annotations

from django.db import models


class Domain(models.TextChoices):
    AUTH = "auth", "Authentication"
    ACCOUNT = "account", "Account"
    CHAT = "chat", "Chat data"
    LEDGER = "ledger", "Ledger"
    VIOLATIONS = "violations", "Violations"
    ADMIN = "admin", "Admin"
    SYSTEM = "system", "System"


class Outcome(models.TextChoices):
    SUCCESS = "success"
    FAILURE = "failure"
    DENIED = "denied"


class Action(models.TextChoices):
    LOGIN = "auth.login", "Logged in"
    LOGOUT = "auth.logout", "Logged out"
    LOGIN_FAILED = "auth.login_failed", "Login failed"
    TWO_FACTOR_VERIFIED = "auth.two_factor_verified", "Two-factor code verified"
    ACCOUNT_CREATED = "account.created", "Account created"
    ACCOUNT_DELETED = "account.deleted", "Account deleted"
    PASSWORD_CHANGED = "account.password_changed", "Password changed"
    PASSWORD_RESET = "account.password_reset", "Password reset"
    EMAIL_VERIFIED = "account.email_verified", "Email verified"
    TWO_FACTOR_ENABLED = "account.two_factor_enabled", "Two-factor enabled"
    SETTINGS_CHANGED = "account.settings_changed", "Settings changed"
    AVATAR_UPDATED = "account.avatar_updated", "Avatar updated"
    SESSIONS_REVOKED = "account.sessions_revoked", "Sessions revoked"
    CHAT_CREATED = "chat.created", "Chat data created"
    CHAT_UPDATED = "chat.updated", "Chat data updated"
    CHAT_DELETED = "chat.deleted", "Chat data deleted"
    CHAT_BULK_CHANGED = "chat.bulk_changed", "Chat data changed in bulk"
    CREDITS_GRANTED = "ledger.credits_granted", "Credits granted"
    BALANCE_REFILLED = "ledger.balance_refilled", "Balance refilled"
    BALANCE_DENIED = "ledger.balance_denied", "Balance check denied"
    PRICES_IMPORTED = "ledger.prices_imported", "Prices imported"
    REPRICED = "ledger.repriced", "Charges repriced"
    USER_BANNED = "violations.user_banned", "Banned"
    BAN_LIFTED = "violations.ban_lifted", "Ban lifted"
    BAN_EXTENDED = "violations.ban_extended", "Ban extended"
    ADMIN_ADDED = "admin.added", "Added in the admin"
    ADMIN_CHANGED = "admin.changed", "Changed in the admin"
    ADMIN_DELETED = "admin.deleted", "Deleted in the admin"
    RETENTION_PRUNED = "system.retention_pruned", "Old events pruned"


_registry: dict[str, str] = {str(action.value): str(action.label) for action in Action}


def register_action(action: str, label: str = "") -> str:
    """Declare a custom action (`"<domain>.<verb>"`); registering the same one twice is harmless."""
    domain, dot, verb = action.partition(".")
    if not (domain and dot and verb) or len(action) > 64:
        raise ValueError(f"an audit action is '<domain>.<verb>' in at most 64 characters, got {action!r}")
    _registry.setdefault(action, label or action)
    return action


def is_registered(action: str) -> bool:
    return action in _registry


def domain_of(action: str) -> str:
    return action.partition(".")[0]


def choices() -> list[tuple[str, str]]:
    return sorted(_registry.items())
