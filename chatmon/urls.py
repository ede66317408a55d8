"""Root URLconf of chatmon's project: admin, health and metrics, then each app's URLs."""

from django.contrib import admin
from django.urls import include, path

from chatmon.core.urls import urlpatterns as health_and_metrics

urlpatterns = [
    path("admin/", admin.site.urls),
    *health_and_metrics,  # spliced in, not include()d: probes and scrapes skip a level of URL resolution
    path("monitoring/", include("chatmon.monitoring.urls")),
    path("dashboard/", include("chatmon.dashboards.urls")),
    path("analytics/", include("chatmon.analytics.urls")),
    path("violations/", include("violations.urls")),
    path("api/v1/", include("chatmon.api.urls")),
]

handler404 = "chatmon.core.errors.page_not_found"
handler500 = "chatmon.core.errors.server_error"
