"""Process-wide hooks: Celery task context and logging, login events, uncaught exceptions, shutdown lines.

`install()` is called once from ChatmonConfig.ready(), in web, worker and beat processes alike.
"""

from __future__ import annotations

import logging
import sys
import threading
from typing import Any

from celery.signals import before_task_publish, setup_logging, task_postrun, task_prerun, worker_shutting_down
from django.apps import apps
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from chatmon.core import context
from chatmon.logging import queries, tracing
from chatmon.logging.config import AUTH_LOGGER

auth_logger = logging.getLogger(AUTH_LOGGER)
jobs_logger = logging.getLogger("chatmon.jobs")
process_logger = logging.getLogger("chatmon.process")

# task id -> contextvar token; the worker runs a task's prerun, body and postrun in one thread.
_task_tokens: dict[str, Any] = {}
# The message header that carries the request id from the enqueuing process to the worker.
REQUEST_ID_HEADER = "chatmon_request_id"


def _task_published(headers: dict | None = None, **_kwargs: Any) -> None:
    """A task enqueued while serving a request (or by a task that was) carries that request's id."""
    origin = context.request_id()
    if origin and headers is not None:
        headers.setdefault(REQUEST_ID_HEADER, origin)


def _task_started(sender: Any = None, task_id: str = "", task: Any = None, **_kwargs: Any) -> None:
    name = getattr(task, "name", "") or ""
    # Celery puts a message's custom headers on the task's request context.
    origin = str(getattr(getattr(task, "request", None), REQUEST_ID_HEADER, None) or "")
    task_context = context.TaskContext(task_id=task_id or "", task_name=name, request_id=origin)
    _task_tokens[task_id] = context.current_task.set(task_context)


def _task_finished(sender: Any = None, task_id: str = "", **_kwargs: Any) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        context.current_task.reset(token)


def _keep_django_logging(**_kwargs: Any) -> None:
    """Connected to Celery's setup_logging: Celery then leaves Django's LOGGING (handlers, redaction) in place."""


def _worker_shutting_down(sig: str = "", how: str = "", exitcode: int = 0, **_kwargs: Any) -> None:
    jobs_logger.info("Celery worker shutting down (%s, %s shutdown): finishing tasks in flight", sig, how)


def _logged_in(sender: Any, request: Any, user: Any, **_kwargs: Any) -> None:
    auth_logger.info("Login succeeded for user %s", user.pk, extra={"event": "login", "login_user_id": str(user.pk)})


def _logged_out(sender: Any, request: Any, user: Any, **_kwargs: Any) -> None:
    user_id = str(user.pk) if user is not None else ""
    auth_logger.info("Logout of user %s", user_id or "-", extra={"event": "logout", "login_user_id": user_id})


def _login_failed(sender: Any, credentials: dict, request: Any = None, **_kwargs: Any) -> None:
    # Only the identifier, masked: a failed attempt's "user name" is often a password typed in the wrong box.
    username = str(credentials.get("username", "") or "")[:2] + "***"
    auth_logger.warning("Login failed for %r", username, extra={"event": "login_failed", "username": username})


def _thread_excepthook(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    thread = args.thread.name if args.thread else "?"
    process_logger.error(
        "Uncaught exception in thread %s", thread, exc_info=(args.exc_type, args.exc_value, args.exc_traceback)
    )


def _main_excepthook(exc_type: type[BaseException], exc_value: BaseException, exc_traceback: Any) -> None:
    if not issubclass(exc_type, KeyboardInterrupt):
        process_logger.critical("Uncaught exception", exc_info=(exc_type, exc_value, exc_traceback))
    sys.__excepthook__(exc_type, exc_value, exc_traceback)


def install() -> None:
    before_task_publish.connect(_task_published, dispatch_uid="chatmon.logging.task_published")
    task_prerun.connect(_task_started, dispatch_uid="chatmon.logging.task_started")
    task_postrun.connect(_task_finished, dispatch_uid="chatmon.logging.task_finished")
    setup_logging.connect(_keep_django_logging, dispatch_uid="chatmon.logging.setup_logging")
    worker_shutting_down.connect(_worker_shutting_down, dispatch_uid="chatmon.logging.worker_shutting_down")
    if not apps.is_installed("auditlog"):
        # With the audit log installed, its auth receivers write the login file (one line per event, with the
        # client IP and the attempted name masked); these plain lines are for projects without it.
        user_logged_in.connect(_logged_in, dispatch_uid="chatmon.logging.logged_in")
        user_logged_out.connect(_logged_out, dispatch_uid="chatmon.logging.logged_out")
        user_login_failed.connect(_login_failed, dispatch_uid="chatmon.logging.login_failed")
    threading.excepthook = _thread_excepthook
    sys.excepthook = _main_excepthook
    queries.connect()
    tracing.setup()
