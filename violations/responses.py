"""The responses violations sends: LibreChat's bodies plus what LibreChat lacks (expiry, retry hints)."""

from __future__ import annotations

import json
import math
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse

# The most a middleware peek reads: a login or a chat message is far smaller, and a larger body is the view's
# to refuse (413), not ours to read twice.
PEEK_MAX_BYTES = 64 * 1024
_SURROGATE = re.compile("[\ud800-\udfff]")

BAN_MESSAGE = "Your account has been temporarily banned due to violations of our service."


def _retry_after(reset_epoch: float) -> int:
    return max(1, math.ceil(reset_epoch - time.time()))


def banned(request: HttpRequest, expires_epoch: float, *, streaming: bool) -> HttpResponse:
    """403 JSON with the ban's expiry, or on streaming chat routes LibreChat's SSE error `{"type":"ban"}`."""
    retry = _retry_after(expires_epoch)
    if streaming:
        response = sse_error(request, json.dumps({"type": "ban"}, separators=(",", ":")))
    else:
        expires_at = datetime.fromtimestamp(expires_epoch, tz=UTC).isoformat()
        response = JsonResponse({"message": BAN_MESSAGE, "expires_at": expires_at, "retry_after": retry}, status=403)
    response["Retry-After"] = str(retry)
    return response


def rate_limited(body: dict[str, Any], *, limit: int, remaining: int, reset_epoch: float) -> JsonResponse:
    """429 JSON with express-rate-limit's legacy headers and Retry-After."""
    response = set_quota_headers(
        JsonResponse(body, status=429), limit=limit, remaining=remaining, reset_epoch=reset_epoch
    )
    response["Retry-After"] = str(_retry_after(reset_epoch))
    return response


def set_quota_headers(response: HttpResponse, *, limit: int, remaining: int, reset_epoch: float) -> HttpResponse:
    response["X-RateLimit-Limit"] = str(limit)
    response["X-RateLimit-Remaining"] = str(max(remaining, 0))
    response["X-RateLimit-Reset"] = str(math.ceil(reset_epoch))
    return response


def unavailable(message: str) -> JsonResponse:
    return JsonResponse({"message": message}, status=503, headers={"Retry-After": "5"})


def request_data(request: HttpRequest) -> dict[str, Any]:
    """The body's top-level fields that violations peeks at (login names, the chat message's ids). Never
    raises: a body too large, undecodable or too deep reads as {} here, and the view's own reader refuses it
    (violations may not import chatmon's). Values holding a lone surrogate are left out: no database or
    encoder takes them."""
    declared = (request.META.get("CONTENT_LENGTH") or "0").strip()
    if not declared.isdigit() or int(declared) > PEEK_MAX_BYTES:
        return {}
    try:
        if request.content_type != "application/json":
            return request.POST.dict() if request.method == "POST" else {}
        data = json.loads(request.body or b"{}")
    except (ValueError, RecursionError, RequestDataTooBig):  # UnicodeDecodeError is a ValueError
        return {}
    if not isinstance(data, dict):
        return {}
    return {key: value for key, value in data.items() if not (isinstance(value, str) and _SURROGATE.search(value))}


def sse_error(request: HttpRequest, text: str) -> HttpResponse:
    """LibreChat's denyRequest: an `event: message` echoing the user's message, then `event: error` with
    `text`; HTTP 200, as the LibreChat client expects on chat routes."""
    body = request_data(request)
    conversation_id = body.get("conversationId") or str(uuid.uuid4())
    user_message = {
        "sender": "User",
        "messageId": body.get("messageId") or str(uuid.uuid4()),
        "parentMessageId": body.get("parentMessageId"),
        "conversationId": conversation_id,
        "isCreatedByUser": True,
        "text": body.get("text"),
    }
    error = {
        "sender": body.get("sender") or "AI",
        "messageId": str(uuid.uuid4()),
        "conversationId": conversation_id,
        "parentMessageId": user_message["messageId"],
        "unfinished": False,
        "error": True,
        "final": True,
        "text": text,
        "isCreatedByUser": False,
    }
    stream = (
        f"event: message\ndata: {json.dumps({'message': user_message, 'created': True})}\n\n"
        f"event: error\ndata: {json.dumps(error)}\n\n"
    )
    return HttpResponse(stream, content_type="text/event-stream", headers={"Cache-Control": "no-cache"})
