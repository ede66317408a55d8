"""/dashboard/: one page and one CSV route per dashboard, and the User 360 pages (all staff only)."""

from __future__ import annotations

from django.urls import path

from chatmon.dashboards import models_view, user360, views
from chatmon.dashboards.pages import PAGES

app_name = "dashboards"
PAGE_VIEWS = {"models": models_view.page}  # pages with parameters of their own (the Models page's ?compare=)

urlpatterns = [
    path("", views.index, name="index"),
    path("users/", user360.search, name="users"),
    path("users/<int:pk>/", user360.detail, name="user"),
    path("users/<int:pk>/<slug:panel>.csv", user360.panel_csv, name="user_csv"),
    path("users/<int:pk>/grant", user360.grant, name="user_grant"),
    path("users/<int:pk>/ban", user360.ban, name="user_ban"),
    path("users/<int:pk>/lift-ban", user360.lift_ban, name="user_lift_ban"),
    # One route per page (not a <slug> catch-all), so an unknown page is a plain 404.
    *(path(f"{slug}/", PAGE_VIEWS.get(slug, views.page), {"slug": slug}, name=slug) for slug in PAGES),
    *(path(f"{slug}/<slug:panel>.csv", views.panel_csv, {"slug": slug}, name=f"{slug}_csv") for slug in PAGES),
]
