from __future__ import annotations

from django.urls import path

from chatmon.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("events", views.feature_event, name="feature_event"),
    path("track.js", views.script, name="script"),
]
