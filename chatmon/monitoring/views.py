"""The browser side of feature events: a small script and the endpoint it posts to."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from chatmon.core import jsonbody
from chatmon.monitoring import conf
from chatmon.monitoring.events import record_feature_event

SCRIPT = Path(__file__).with_name("track.js")


def _error(status: int, error: str, message: str) -> JsonResponse:
    return JsonResponse({"error": error, "message": message}, status=status)


# No CSRF token: the script uses navigator.sendBeacon, which cannot send one. A forged cross-site post
# carries no session cookie (SameSite=Lax), so it is refused as anonymous; names are an allowlist.
@csrf_exempt
def feature_event(request: HttpRequest) -> JsonResponse:
    if request.method != "POST":
        return _error(405, "method_not_allowed", 'POST a JSON object {"name": "<event>"}.')
    if not request.user.is_authenticated:
        return _error(401, "not_authenticated", "Sign in first: feature events are counted for signed-in users.")
    try:
        # Any content type: navigator.sendBeacon posts a string as text/plain.
        data = jsonbody.read_request(request, empty={})
    except jsonbody.BodyError as exc:
        return _error(exc.status, exc.code, exc.message)
    name = data.get("name") if isinstance(data, dict) else None
    if name not in conf.feature_events():
        return _error(400, "unknown_event", f"'name' must be one of: {', '.join(conf.feature_events())}.")
    record_feature_event(name)
    return JsonResponse({"counted": name}, status=202)


def script(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return _error(405, "method_not_allowed", "GET the script.")
    response = HttpResponse(_script_text(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    return response


@cache
def _script_text() -> str:
    return SCRIPT.read_text()
