"""Root URLconf: admin, health, metrics, then each app's URLs."""

from django.contrib import admin
from django.urls import include, path

from chatmon import health, metrics_endpoint

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", health.liveness, name="healthz"),
    path("health/", health.ReadinessView.as_view(), name="health"),
    path("metrics", metrics_endpoint.metrics, name="metrics"),
    path("monitoring/", include("chatmon.monitoring.urls")),
    path("dashboard/", include("chatmon.dashboards.urls")),
    path("violations/", include("violations.urls")),
    path("api/v1/", include("api.urls")),
    path("", include("examples.chatapp.urls")),
]

handler404 = "chatmon.errors.page_not_found"
handler500 = "chatmon.errors.server_error"
