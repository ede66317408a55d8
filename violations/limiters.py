"""LibreChat's rate limiters: fixed windows in Redis, one violation logged per refused request.

Each rule in words (defaults; env names in docs/violations.md):
- login: 7 login POSTs per IP per 5 minutes; two_factor: the same budget for 2FA code checks.
- register: 5 registrations per IP per hour.
- reset_password / reset_password_submission: 2 reset requests / 2 reset submissions per IP per 2 minutes.
- verify_email: 2 verification e-mails per IP per 2 minutes.
- message_ip / message_user: 40 chat messages per IP / per user per minute (off unless LIMIT_MESSAGE_*).
- tool_call: 1 tool call per user per second.
- file_upload, import: 100 per IP and 50 per user per 15 minutes; fork: 30 per IP and 7 per user per minute.
- tts, stt: 100 per IP and 50 per user per minute; share: 100 per IP and 60 per user per minute (GET).
Hits 1..max pass; hit max+1 and later in the same window get 429 and log the limiter's violation type.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import wraps

from django.http import HttpRequest, HttpResponse

from violations import conf, metrics, responses, services, store
from violations.clientip import client_ip
from violations.types import ViolationType as T

logger = logging.getLogger(__name__)

_AGAIN = "Try again later"
_MINUTES = "please try again after {minutes} minute(s)"
_AFTER_MINUTES = "please try again after {minutes} minutes"


@dataclass(frozen=True)
class Limiter:
    name: str
    type: T
    by: str  # "ip" or "user"; a user limiter lets anonymous callers through (the IP limiter covers them)
    message: str
    methods: tuple[str, ...] = ("POST",)
    detailed: bool = False  # the body carries the violation object (LibreChat's message limiters)


LIMITERS = {
    limiter.name: limiter
    for limiter in [
        Limiter("login", T.LOGINS, "ip", "Too many login attempts, " + _AFTER_MINUTES + "."),
        Limiter("two_factor", T.LOGINS, "ip", "Too many verification attempts, " + _AFTER_MINUTES + "."),
        Limiter("register", T.REGISTRATIONS, "ip", "Too many accounts created, " + _AFTER_MINUTES),
        Limiter("reset_password", T.RESET_PASSWORD_LIMIT, "ip", f"Too many attempts, {_MINUTES}"),
        Limiter("reset_password_submission", T.RESET_PASSWORD_LIMIT, "ip", f"Too many attempts, {_MINUTES}"),
        Limiter("verify_email", T.VERIFY_EMAIL_LIMIT, "ip", f"Too many attempts, {_MINUTES}"),
        Limiter("message_ip", T.MESSAGE_LIMIT, "ip", f"Too many messages, {_MINUTES}", detailed=True),
        Limiter("message_user", T.MESSAGE_LIMIT, "user", f"Too many messages, {_MINUTES}", detailed=True),
        Limiter("tool_call", T.TOOL_CALL_LIMIT, "user", f"Too many tool call requests. {_AGAIN}"),
        Limiter("file_upload_ip", T.FILE_UPLOAD_LIMIT, "ip", f"Too many file upload requests. {_AGAIN}"),
        Limiter("file_upload_user", T.FILE_UPLOAD_LIMIT, "user", f"Too many file upload requests. {_AGAIN}"),
        Limiter("import_ip", T.FILE_UPLOAD_LIMIT, "ip", f"Too many conversation import requests. {_AGAIN}"),
        Limiter("import_user", T.FILE_UPLOAD_LIMIT, "user", f"Too many conversation import requests. {_AGAIN}"),
        Limiter("fork_ip", T.FILE_UPLOAD_LIMIT, "ip", f"Too many conversation fork requests. {_AGAIN}"),
        Limiter("fork_user", T.FILE_UPLOAD_LIMIT, "user", f"Too many conversation fork requests. {_AGAIN}"),
        Limiter("tts_ip", T.TTS_LIMIT, "ip", f"Too many TTS requests. {_AGAIN}"),
        Limiter("tts_user", T.TTS_LIMIT, "user", f"Too many TTS requests. {_AGAIN}"),
        Limiter("stt_ip", T.STT_LIMIT, "ip", f"Too many STT requests. {_AGAIN}"),
        Limiter("stt_user", T.STT_LIMIT, "user", f"Too many STT requests. {_AGAIN}"),
        Limiter("share_ip", T.SHARE_LIMIT, "ip", f"Too many shared link requests. {_AGAIN}", methods=("GET",)),
        Limiter("share_user", T.SHARE_LIMIT, "user", f"Too many shared link requests. {_AGAIN}", methods=("GET",)),
    ]
}  # fmt: skip


def _user(request: HttpRequest):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _minutes(window_seconds: float) -> int | float:
    minutes = window_seconds / 60
    return int(minutes) if float(minutes).is_integer() else minutes


def _refuse(limiter: Limiter, settings: dict, request: HttpRequest, ip: str, reset_epoch: float) -> HttpResponse:
    minutes = _minutes(settings["window_seconds"])
    info = {"type": limiter.type.value, "max": settings["max"], "limiter": limiter.by, "windowInMinutes": minutes}
    outcome = services.log_violation(
        type=limiter.type,
        user=_user(request),
        ip=ip,
        score=settings["score"],
        details={"limiter": limiter.name, **info},
        request_id=getattr(request, "request_id", ""),
    )
    metrics.RATE_LIMIT_HITS.labels(limiter=limiter.name).inc()
    body = {"message": limiter.message.format(minutes=minutes)}
    if limiter.detailed:
        retry = max(1, round(reset_epoch - time.time()))
        body |= info | {"resetAt": int(reset_epoch * 1000), "retryAfterSeconds": retry} | outcome.fields()
    return responses.rate_limited(body, limit=settings["max"], remaining=0, reset_epoch=reset_epoch)


def check(name: str, request: HttpRequest) -> HttpResponse | None:
    """Count this request against limiter `name`; a response when it must be refused, else None."""
    limiter = LIMITERS[name]
    user = _user(request)
    settings = conf.rate_limit(name, user=user if limiter.by == "user" else None)
    if not settings["enabled"] or request.method not in limiter.methods:
        return None
    ip = client_ip(request)
    if limiter.by == "user" and user is None:
        return None
    who = store.target(user_id=user.pk) if limiter.by == "user" else store.target(ip=ip)
    try:
        hits, ttl_ms = store.hit_window(name, who, int(settings["window_seconds"] * 1000))
    except store.Error as exc:
        metrics.REDIS_ERRORS.labels(operation="rate_limit").inc()
        logger.debug("violations: rate limiter %s unavailable (%s), failing %s", name, exc, conf.limiter_failure())
        return responses.unavailable("Rate limiting is unavailable.") if conf.limiter_failure() == "closed" else None
    reset_epoch = time.time() + ttl_ms / 1000
    if hits <= settings["max"]:
        _remember_quota(request, limit=settings["max"], remaining=settings["max"] - hits, reset_epoch=reset_epoch)
        return None
    return _refuse(limiter, settings, request, ip, reset_epoch)


def _remember_quota(request: HttpRequest, *, limit: int, remaining: int, reset_epoch: float) -> None:
    """The tightest quota of the limiters a request passed, for express-rate-limit's headers on its response."""
    current = getattr(request, "_violations_quota", None)
    if current is None or remaining < current["remaining"]:
        request._violations_quota = {"limit": limit, "remaining": remaining, "reset_epoch": reset_epoch}


def add_quota_headers(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """X-RateLimit-Limit/Remaining/Reset on an admitted response too, as express-rate-limit sends them."""
    quota = getattr(request, "_violations_quota", None)
    if quota is not None and "X-RateLimit-Limit" not in response:
        responses.set_quota_headers(response, **quota)
    return response


def guard(request: HttpRequest, names) -> HttpResponse | None:
    """Run limiters in order; the first refusal wins."""
    for name in names:
        refused = check(name, request)
        if refused is not None:
            return refused
    return None


def rate_limit(*names: str):
    """View decorator: `@rate_limit("login")` applies the named limiters before the view runs."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            return guard(request, names) or add_quota_headers(request, view(request, *args, **kwargs))

        return wrapped

    unknown = set(names) - LIMITERS.keys()
    if unknown:
        raise ValueError(f"unknown limiters: {sorted(unknown)}; known: {sorted(LIMITERS)}")
    return decorator
