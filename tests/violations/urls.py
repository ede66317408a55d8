"""A test URLconf shaped like a chat app: a login form, a streaming chat route, a plain page, a decorated view."""

from __future__ import annotations

import time

from django.contrib import admin
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import include, path

from violations.limiters import rate_limit


def login(request):
    return JsonResponse({"ok": True})


def chat(request):
    def stream():
        yield "event: message\ndata: {}\n\n"
        time.sleep(float(request.GET.get("sleep", 0)))
        yield "event: done\ndata: {}\n\n"

    return StreamingHttpResponse(stream(), content_type="text/event-stream")


def page(request):
    return HttpResponse("ok")


@rate_limit("register")
def register(request):
    return JsonResponse({"registered": True})


chatapp = (
    [
        path("login", login, name="login"),
        path("chat", chat, name="chat"),
        path("page", page, name="page"),
        path("register", register, name="register"),
    ],
    "chatapp",
)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include(chatapp)),
    path("violations/", include("violations.urls")),
]
