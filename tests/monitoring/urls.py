"""Test-only URLconf: the project's URLs plus views that stream, fail and take a path argument."""

from __future__ import annotations

from django.http import HttpResponse, StreamingHttpResponse
from django.urls import include, path

CHUNKS = [b"data: one\n\n", b"data: two\n\n", b"data: three\n\n"]


def stream(request):
    return StreamingHttpResponse(iter(CHUNKS), content_type="text/event-stream")


def boom(request):
    return HttpResponse("down", status=503)


def item(request, pk: int):
    return HttpResponse(f"item {pk}")


urlpatterns = [
    path("t/stream", stream),
    path("t/boom", boom),
    path("t/items/<int:pk>", item),
    path("", include("chatmon.urls")),
]
