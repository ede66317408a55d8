"""Root URLconf of chatmon's project: admin, health and metrics, then each app's URLs."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("chatmon.core.urls")),
    path("monitoring/", include("chatmon.monitoring.urls")),
    path("dashboard/", include("chatmon.dashboards.urls")),
    path("violations/", include("violations.urls")),
    path("api/v1/", include("chatmon.api.urls")),
]

handler404 = "chatmon.core.errors.page_not_found"
handler500 = "chatmon.core.errors.server_error"
