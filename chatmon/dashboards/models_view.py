"""/dashboard/models/: the Models page (chatmon.dashboards.pages), plus its comparison of two models
(?compare=a,b), which the generic page view has no parameter for."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from chatmon.dashboards import access, ranges, views
from chatmon.dashboards.pages import PAGES
from chatmon.dashboards.selectors import models

MAX_NAME = 100  # the rollups' model column


def parse_compare(value: str) -> tuple[str, str]:
    """`a,b` -> (a, b); ValueError says what is wrong."""
    names = [name.strip() for name in value.split(",")]
    if len(names) != 2 or not all(names):
        raise ValueError("compare takes two model names separated by a comma, e.g. compare=gpt-4o,gpt-4o-mini")
    for name in names:
        if len(name) > MAX_NAME or any(ord(char) < 32 for char in name):
            raise ValueError(f"a model name is at most {MAX_NAME} printable characters")
    return names[0], names[1]


@staff_member_required
def page(request: HttpRequest, slug: str = "models") -> HttpResponse:
    if "compare" not in request.GET:
        return views.page(request, slug=slug)
    access.require(bool(access.allowed(request.user, PAGES[slug][1])))
    try:
        r = ranges.from_query(request.GET)
        first, second = parse_compare(request.GET["compare"])
    except ValueError as exc:  # BadRange is one
        return views.bad_request(request, str(exc))
    panels = [models.compare_panel(r, first, second), models.models_panel(r)]
    return render(request, "chatmon/dashboards/page.html", views.page_context(request, PAGES[slug][0], slug, panels, r))
