"""The demo's URLs plus `/bench/bare`, a view that answers 200 at once whatever it is sent (bench/api_http.py)."""

from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def bare(request):
    return HttpResponse(b"{}", content_type="application/json")


urlpatterns = [path("bench/bare", bare), path("", include("examples.demo.urls"))]
