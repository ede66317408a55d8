"""Root URLconf: admin, health, metrics, then each app's URLs."""

from django.contrib import admin
from django.urls import include, path

from chatmon import health, metrics_endpoint

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", health.liveness, name="healthz"),
    path("health/", health.ReadinessView.as_view(), name="health"),
    path("metrics", metrics_endpoint.metrics, name="metrics"),
    path("", include("examples.chatapp.urls")),
]
