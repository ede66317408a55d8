"""Per-request and per-task context (request id, user id, route; task name and id) kept in contextvars.

contextvars follow async views and are copied into threads started with contextvars.copy_context(), so
log records and metrics can read them without being passed the request.
"""

from __future__ import annotations

import contextvars
import re
import uuid
from dataclasses import dataclass, field


@dataclass
class RequestContext:
    request_id: str
    route: str = ""
    user_id: str = ""
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class TaskContext:
    task_id: str
    task_name: str


current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar("chatmon_request", default=None)
current_task: contextvars.ContextVar[TaskContext | None] = contextvars.ContextVar("chatmon_task", default=None)

# A client-supplied X-Request-ID is kept only when it is short and plain, so it cannot inject into logs.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def new_request_id(supplied: str | None = None) -> str:
    if supplied and _SAFE_REQUEST_ID.match(supplied):
        return supplied
    return uuid.uuid4().hex


def request_id() -> str:
    ctx = current.get()
    return ctx.request_id if ctx else ""
