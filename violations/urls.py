from __future__ import annotations

from django.urls import path

from violations import views

app_name = "violations"

urlpatterns = [path("client-ip/", views.client_ip_diagnostic, name="client_ip")]
