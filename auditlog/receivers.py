"""Receivers: Django's auth signals, the user model's saves and deletes, auditlog's own account signals and
the admin's log entries. Auth and account events also get a line in the login log (AUDITLOG_LOGIN_LOGGER)."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save

from auditlog import conf, context, signals
from auditlog.actions import Action, Domain, Outcome
from auditlog.fields import Target, mask
from auditlog.services import record

ACCOUNT_SIGNALS = {
    signals.email_verified: Action.EMAIL_VERIFIED,
    signals.two_factor_enabled: Action.TWO_FACTOR_ENABLED,
    signals.two_factor_verified: Action.TWO_FACTOR_VERIFIED,
    signals.settings_changed: Action.SETTINGS_CHANGED,
    signals.avatar_updated: Action.AVATAR_UPDATED,
    signals.sessions_revoked: Action.SESSIONS_REVOKED,
}
ADMIN_ACTIONS = {ADDITION: Action.ADMIN_ADDED, CHANGE: Action.ADMIN_CHANGED, DELETION: Action.ADMIN_DELETED}


def record_auth(**kwargs: Any):
    """record(), plus the login log line for auth and account events."""
    event = record(**kwargs)
    if conf.login_logger() and event.domain in (Domain.AUTH, Domain.ACCOUNT):
        logging.getLogger(conf.login_logger()).info(
            "%s %s actor=%s subject=%s ip=%s",
            event.action,
            event.outcome,
            event.actor_label,
            event.subject_id or "-",
            event.ip or "-",
            extra={"event": event.action, "audit_event_id": event.pk, "outcome": event.outcome},
        )
    return event


def logged_in(sender: Any, request: Any = None, user: Any = None, **_: Any) -> None:
    record_auth(action=Action.LOGIN, actor=user, target=user, request=request)


def logged_out(sender: Any, request: Any = None, user: Any = None, **_: Any) -> None:
    # Django sends no user when the session had none; the event still shows the logout was asked for.
    record_auth(action=Action.LOGOUT, actor=user, target=user, request=request)


def login_failed(sender: Any, credentials: dict, request: Any = None, **_: Any) -> None:
    """The attempted name is masked (people type passwords into it), the account it names kept as subject."""
    User = get_user_model()
    username = str(credentials.get(User.USERNAME_FIELD) or credentials.get("username") or "")
    account = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first() if username else None
    record_auth(
        action=Action.LOGIN_FAILED,
        actor="anonymous",
        target=account,
        request=request,
        outcome=Outcome.FAILURE,
        metadata={"username": mask(username)},
    )


def user_saved(sender: Any, instance: Any, created: bool, raw: bool = False, **_: Any) -> None:
    if raw:  # loaddata: restoring rows is not an account event
        return
    if created:
        record_auth(action=Action.ACCOUNT_CREATED, target=instance)
    # set_password() keeps the raw password in `_password` until save() has run the validators' hooks.
    elif getattr(instance, "_password", None) is not None:
        record_auth(action=_password_action(instance), target=instance)


def _password_action(user: Any) -> Action:
    """Changed by someone signed in (the user, or an operator); reset when nobody is (the emailed token)."""
    request = context.current_request()
    acting = getattr(request, "user", None) if request is not None else None
    if request is not None and not getattr(acting, "is_authenticated", False):
        return Action.PASSWORD_RESET
    return Action.PASSWORD_CHANGED


def user_deleted(sender: Any, instance: Any, **_: Any) -> None:
    record_auth(action=Action.ACCOUNT_DELETED, target=instance)


def account_event(sender: Any, signal: Any, user: Any, request: Any = None, metadata: Any = None, **kwargs: Any):
    success = kwargs.get("success", True)
    record_auth(
        action=ACCOUNT_SIGNALS[signal],
        target=user,
        request=request,
        metadata=metadata,
        outcome=Outcome.SUCCESS if success else Outcome.FAILURE,
    )


def admin_logged(sender: Any, instance: LogEntry, created: bool, raw: bool = False, **_: Any) -> None:
    if not created or raw or instance.action_flag not in ADMIN_ACTIONS:
        return
    try:
        changes = json.loads(instance.change_message or "[]")
    except ValueError:
        changes = instance.change_message
    target = None
    if instance.content_type_id:
        target = Target(instance.content_type, str(instance.object_id or ""), instance.object_repr)
    record(
        action=ADMIN_ACTIONS[instance.action_flag],
        actor=instance.user,
        target=target,
        metadata={"changes": changes},
    )


def connect() -> None:
    user_logged_in.connect(logged_in, dispatch_uid="auditlog.logged_in")
    user_logged_out.connect(logged_out, dispatch_uid="auditlog.logged_out")
    user_login_failed.connect(login_failed, dispatch_uid="auditlog.login_failed")
    User = get_user_model()
    post_save.connect(user_saved, sender=User, dispatch_uid="auditlog.user_saved")
    post_delete.connect(user_deleted, sender=User, dispatch_uid="auditlog.user_deleted")
    post_save.connect(admin_logged, sender=LogEntry, dispatch_uid="auditlog.admin_logged")
    for signal in ACCOUNT_SIGNALS:
        signal.connect(account_event, dispatch_uid=f"auditlog.account.{ACCOUNT_SIGNALS[signal].value}")
