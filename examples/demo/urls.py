"""The demo's URLs: chatmon's, then the example chat app's JSON API under /api/."""

from django.urls import include, path

from chatmon.urls import handler404, handler500  # noqa: F401
from chatmon.urls import urlpatterns as chatmon_urlpatterns

urlpatterns = [*chatmon_urlpatterns, path("", include("examples.chatapp.urls"))]
