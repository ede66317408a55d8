"""The request and actor that audit events default to, kept in contextvars.

AuditlogMiddleware sets the request, so model tracking and receivers that are not handed a request (a
post_save, a ledger signal) still know who acted, from where. `acting_as("job:...")` names the actor for
code outside requests (Celery tasks, management commands).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_request: contextvars.ContextVar[Any] = contextvars.ContextVar("auditlog_request", default=None)
_actor: contextvars.ContextVar[Any] = contextvars.ContextVar("auditlog_actor", default=None)


def current_request() -> Any:
    return _request.get()


def current_actor() -> Any:
    return _actor.get()


def set_request(request: Any) -> contextvars.Token:
    return _request.set(request)


def reset_request(token: contextvars.Token) -> None:
    _request.reset(token)


@contextmanager
def request_scope(request: Any) -> Iterator[None]:
    token = set_request(request)
    try:
        yield
    finally:
        reset_request(token)


@contextmanager
def acting_as(actor: Any) -> Iterator[None]:
    """Events recorded inside the block name `actor` (a user or a label) unless they name one themselves."""
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)
