"""Receivers for the ledger's and violations' signals, connected by dotted path: auditlog imports neither app,
and a signal that is not there (the app is not installed, or older) is skipped silently."""

from __future__ import annotations

import logging
from typing import Any

from django.apps import apps
from django.utils.module_loading import import_string

from auditlog.actions import Action, Outcome
from auditlog.services import record, record_many

logger = logging.getLogger(__name__)


def _sent(kwargs: dict, *names: str) -> dict:
    return {name: kwargs.get(name) for name in names}


def credits_granted(sender: Any, **kw: Any) -> None:
    record(
        action=Action.CREDITS_GRANTED,
        actor=kw.get("actor"),
        target=kw.get("transaction"),
        subject=kw.get("user_id"),
        metadata=_sent(kw, "amount", "reason", "balance"),
    )


def balance_refilled(sender: Any, **kw: Any) -> None:
    record(**_refill_entry(kw))


def balances_refilled(sender: Any, refills: Any = (), trigger: Any = None, **_: Any) -> None:
    """The refill job's batch: one event per refill, all in one insert, each as balance_refilled records it."""
    record_many([_refill_entry({**refill._asdict(), "trigger": trigger}) for refill in refills])


def _refill_entry(kw: dict) -> dict:
    # A refill found due by the user's own balance check is theirs; one made by the job is the system's.
    return {
        "action": Action.BALANCE_REFILLED,
        "actor": None if kw.get("trigger") == "check" else "job:ledger.refill",
        "target": kw.get("transaction"),
        "subject": kw.get("user_id"),
        "metadata": _sent(kw, "amount", "balance", "trigger"),
    }


def balance_denied(sender: Any, **kw: Any) -> None:
    record(
        action=Action.BALANCE_DENIED,
        actor=kw.get("actor") or kw.get("user"),
        subject=kw.get("user_id"),
        outcome=Outcome.DENIED,
        metadata=_sent(kw, "reason", "amount", "token_cost", "balance", "refill_at", "model", "endpoint"),
    )


def prices_imported(sender: Any, **kw: Any) -> None:
    effective_from = kw.get("effective_from")
    record(
        action=Action.PRICES_IMPORTED,
        actor=kw.get("actor"),
        metadata={
            **_sent(kw, "source", "models", "unchanged", "skipped"),
            "effective_from": effective_from.isoformat() if effective_from else None,
        },
    )


def repriced(sender: Any, **kw: Any) -> None:
    repricing = kw.get("repricing")
    record(
        action=Action.REPRICED,
        actor=kw.get("actor"),
        target=kw.get("transaction"),
        subject=kw.get("user_id"),
        metadata={**_sent(kw, "amount", "reason"), "repricing": getattr(repricing, "pk", None)},
    )


def _ban_event(action: Action, kw: dict, **metadata: Any) -> None:
    bans = kw.get("bans") or []
    user = kw.get("user")
    record(
        action=action,
        actor=kw.get("actor"),
        target=bans[0] if bans else user,
        subject=user,
        metadata={"banned_ip": kw.get("ip"), "ban_ids": [ban.pk for ban in bans], **metadata},
    )


def user_banned(sender: Any, **kw: Any) -> None:
    actor = kw.get("actor") or ("job:violations.automatic_ban" if kw.get("automatic") else None)
    _ban_event(Action.USER_BANNED, {**kw, "actor": actor}, **_sent(kw, "automatic", "reason", "duration_ms"))


def ban_lifted(sender: Any, **kw: Any) -> None:
    _ban_event(Action.BAN_LIFTED, kw)


def ban_extended(sender: Any, **kw: Any) -> None:
    _ban_event(Action.BAN_EXTENDED, kw, **_sent(kw, "duration_ms", "previous_expires_at", "expires_at"))


SIGNALS = {
    "ledger": {
        "credits_granted": credits_granted,
        "balance_refilled": balance_refilled,
        "balances_refilled": balances_refilled,
        "balance_denied": balance_denied,
        "prices_imported": prices_imported,
        "repriced": repriced,
    },
    # Not violation_logged: every violation is already a row of its own in the violations app, and during an
    # abuse flood one audit event each would queue every request on the audit chain. Bans and lifts are audited.
    # Sent inside the transaction that changes the ban, so record() writes its event in that transaction too.
    "violations": {"user_banned": user_banned, "ban_lifted": ban_lifted, "ban_extended": ban_extended},
}


def connect() -> list[str]:
    """Connect every signal that exists; return the dotted paths connected."""
    connected = []
    for app_label, receivers in SIGNALS.items():
        if not apps.is_installed(app_label):
            continue
        for name, receiver in receivers.items():
            path = f"{app_label}.signals.{name}"
            try:
                signal = import_string(path)
            except ImportError:
                logger.debug("auditlog: %s not found; not recorded", path)
                continue
            signal.connect(receiver, dispatch_uid=f"auditlog.{path}")
            connected.append(path)
    return connected
