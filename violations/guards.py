"""Request checks used on chat routes: non-browser user agents, illegal model requests, concurrent generations."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache

import ua_parser

from violations import conf, metrics, services, store
from violations.types import ViolationType

logger = logging.getLogger(__name__)

# LibreChat's identifier rule for model names (validateModel).
MODEL_ID = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.:/@+-]*$")
MODEL_ID_MAX_LENGTH = 256


@lru_cache(maxsize=1024)
def is_browser(user_agent: str) -> bool:
    """A browser is a user agent that ua-parser maps to a known client family on a known OS and that is
    not a crawler: curl, HTTP libraries, bots and empty agents are not (LibreChat: no browser name)."""
    result = ua_parser.parse(user_agent)
    family = result.user_agent.family if result.user_agent else "Other"
    os_family = result.os.family if result.os else "Other"
    device = result.device.family if result.device else ""
    return family != "Other" and os_family != "Other" and device != "Spider"


def non_browser_allowed(user_agent: str) -> bool:
    """Browsers and user agents matching VIOLATIONS_NON_BROWSER_ALLOWLIST (mobile apps, API clients)."""
    if any(pattern.search(user_agent) for pattern in conf.non_browser_allowlist()):
        return True
    return is_browser(user_agent)


@dataclass(frozen=True)
class ModelCheck:
    ok: bool
    error: str = ""  # LibreChat's SSE error text when not ok
    model: str = ""


def validate_model(
    *, model, allowed_models, user=None, ip: str | None = None, user_provided: bool = False, request_id: str = ""
) -> ModelCheck:
    """LibreChat's validateModel. A malformed identifier is refused without a violation (it is a client bug,
    not abuse); a well-formed model outside the endpoint's list logs `illegal_model_request`. An empty list
    means the endpoint is unavailable (a configuration problem): refused, not scored."""
    if not isinstance(model, str) or not model:
        return ModelCheck(False, "Model not provided")
    model = model.strip()
    if not model or len(model) > MODEL_ID_MAX_LENGTH or not MODEL_ID.match(model):
        return ModelCheck(False, "Invalid model identifier")
    if user_provided:
        return ModelCheck(True, model=model)
    if allowed_models is None:
        return ModelCheck(False, "Endpoint models not loaded")
    if not allowed_models:
        return ModelCheck(False, "Endpoint unavailable")
    if model in allowed_models:
        return ModelCheck(True, model=model)
    services.log_violation(
        type=ViolationType.ILLEGAL_MODEL_REQUEST, user=user, ip=ip, request_id=request_id, details={"model": model}
    )
    return ModelCheck(False, "Illegal model request", model=model)


@dataclass(frozen=True)
class Slot:
    allowed: bool
    pending: int
    limit: int


def acquire_generation(user_id) -> Slot:
    """Take one of the user's CONCURRENT_MESSAGE_MAX generation slots (atomic; fails open on Redis errors)."""
    limit = conf.concurrent_max()
    try:
        count = store.acquire_slot(user_id, limit)
    except store.Error as exc:
        metrics.REDIS_ERRORS.labels(operation="concurrency").inc()
        logger.debug("violations: concurrency limiter unavailable, allowing: %s", exc)
        return Slot(True, 0, limit)
    return Slot(count > 0, abs(count), limit)


def release_generation(user_id) -> None:
    """Give the slot back when the stream ends, fails or the client disconnects (errors are swallowed)."""
    try:
        store.release_slot(user_id)
    except store.Error as exc:
        metrics.REDIS_ERRORS.labels(operation="concurrency").inc()
        logger.debug("violations: could not release a generation slot (it expires in 60 s): %s", exc)
