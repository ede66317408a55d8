"""The demo's URLs plus `/bench/fail`, a route that always answers 503 (bench/alert_delay.py)."""

from django.http import HttpResponse
from django.urls import include, path


def fail(request):
    return HttpResponse("down", status=503)


urlpatterns = [path("bench/fail", fail), path("", include("examples.demo.urls"))]
