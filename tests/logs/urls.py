"""Routes for the logging tests: API and HTML views that fail in each way the error handler knows."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import path

from chatmon.core.errors import ApiError


def boom(request, pk: int = 0):
    raise RuntimeError("database said password=hunter2 for Bearer sk-leaked-123")


def invalid(request):
    raise ValidationError({"email": ["Enter a valid email address."], "name": ["This field is required."]})


def invalid_one(request):
    raise ValidationError("Just one problem.")


def duplicate(request):
    get_user_model().objects.create(username="dup")
    with transaction.atomic():
        get_user_model().objects.create(username="dup")


def custom(request):
    raise ApiError(402, {"message": "Insufficient funds", "balance": 0})


def careless(request):
    """Logs what a careless view would: the query, every header and cookie, and the raw body."""
    log = logging.getLogger("tests.logs.careless")
    log.info("query %s from %s", request.GET.dict(), request.get_full_path())
    log.debug("headers %s cookies %s", dict(request.headers), request.COOKIES)
    log.debug("body %s", request.body)
    log.warning("raw body: " + request.body.decode(errors="replace"))
    return JsonResponse({"ok": True})


def careless_boom(request):
    raise RuntimeError(f"cannot handle {request.get_full_path()} with {request.body.decode(errors='replace')}")


def ok(request, pk: int = 0):
    return JsonResponse({"ok": True})


def stream(request):
    return StreamingHttpResponse(iter([b"data: one\n\n", b"data: two\n\n"]), content_type="text/event-stream")


def slow(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("done")


urlpatterns = [
    path("api/boom/<int:pk>/", boom),
    path("api/invalid/", invalid),
    path("api/invalid-one/", invalid_one),
    path("api/duplicate/", duplicate),
    path("api/custom/", custom),
    path("api/items/<int:pk>/", ok),
    path("api/careless/", careless),
    path("api/careless-boom/", careless_boom),
    path("html/careless-boom/", careless_boom),
    path("api/slow/", slow),
    path("api/stream/", stream),
    path("html/boom/", boom),
    path("healthz", ok, name="healthz"),
]
