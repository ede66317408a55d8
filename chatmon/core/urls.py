"""Health and metrics: include at the site root (`path("", include("chatmon.core.urls"))`)."""

from django.urls import path

from chatmon.core import health, metrics_endpoint

urlpatterns = [
    path("healthz", health.liveness, name="healthz"),
    path("health/", health.ReadinessView.as_view(), name="health"),
    path("metrics", metrics_endpoint.metrics, name="metrics"),
]
