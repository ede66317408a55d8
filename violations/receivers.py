"""Receivers for other apps' signals, connected by dotted path so violations imports none of them."""

from __future__ import annotations

import logging

from django.utils.module_loading import import_string

from violations import services
from violations.types import ViolationType

logger = logging.getLogger(__name__)


def record_balance_denied(sender=None, *, user=None, **kwargs) -> None:
    """A refused spend is a `token_balance` violation with score 0: recorded for history, never a ban."""
    details = {k: v for k, v in kwargs.items() if k != "signal"}
    services.log_violation(type=ViolationType.TOKEN_BALANCE, user=user, score=0, details=details)


def connect_balance_denied(path: str) -> bool:
    """Connect to the signal at `path` when it exists (the ledger app may not define it yet)."""
    try:
        signal = import_string(path)
    except ImportError:
        logger.info("violations: %s not found; token_balance violations are not recorded", path)
        return False
    signal.connect(record_balance_denied, dispatch_uid="violations.record_balance_denied")
    return True
