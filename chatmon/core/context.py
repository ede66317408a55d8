"""Per-request and per-task context (request id, user id, route; task name and id) kept in contextvars.

contextvars follow async views and are copied into threads started with contextvars.copy_context(), so
log records and metrics can read them without being passed the request.
"""

from __future__ import annotations

import contextvars
import random
import re
from dataclasses import dataclass


@dataclass
class RequestContext:
    request_id: str
    route: str = ""
    user_id: str = ""


@dataclass(frozen=True)
class TaskContext:
    task_id: str
    task_name: str
    request_id: str = ""  # of the request that enqueued the task (or enqueued the task that enqueued it)


current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar("chatmon_request", default=None)
current_task: contextvars.ContextVar[TaskContext | None] = contextvars.ContextVar("chatmon_task", default=None)

# A client-supplied X-Request-ID is kept only when it is short and plain, so it cannot inject into logs.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def new_request_id(supplied: str | None = None) -> str:
    if supplied and _SAFE_REQUEST_ID.match(supplied):
        return supplied
    # 128 random bits as 32 hex digits, like uuid4().hex, from the process's PRNG instead of the kernel's
    # (one system call less per request): a request id must be unique, not unguessable. The random module
    # reseeds itself in a forked child, so gunicorn workers do not repeat each other's ids.
    return f"{random.getrandbits(128):032x}"


def request_id() -> str:
    """The current request's id; in a Celery task, the id of the request that caused it ("" for beat jobs)."""
    ctx = current.get()
    if ctx is not None:
        return ctx.request_id
    task = current_task.get()
    return task.request_id if task else ""
