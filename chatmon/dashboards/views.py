"""Staff-only dashboard views: a page of panels for a time range, and each panel as CSV."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from chatmon.dashboards import charts, ranges
from chatmon.dashboards.pages import PAGES
from chatmon.dashboards.panels import Panel, csv_response


def bad_request(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": "invalid_request", "message": message}, status=status)


def _range(request: HttpRequest) -> ranges.Range:
    return ranges.parse(request.GET.get("range"))


def page_context(request: HttpRequest, title: str, current: str, panels: list[Panel], r: ranges.Range) -> dict:
    return {
        "title": title,
        "current": current,
        "pages": [(slug, label) for slug, (label, _) in PAGES.items()],
        "ranges": [(key, label) for key, (label, _, _) in ranges.RANGES.items()],
        "range": r,
        "panels": [(panel, charts.render(panel) if panel.chart and panel.has_data else None) for panel in panels],
        "site_header": "chatmon",
        "has_permission": True,
    }


@staff_member_required
def page(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        r = _range(request)
    except ranges.BadRange as exc:
        return bad_request(str(exc))
    title, build = PAGES[slug]
    return render(request, "chatmon/dashboards/page.html", page_context(request, title, slug, build(r), r))


@staff_member_required
def panel_csv(request: HttpRequest, slug: str, panel: str) -> HttpResponse:
    try:
        r = _range(request)
    except ranges.BadRange as exc:
        return bad_request(str(exc))
    _, build = PAGES[slug]
    found = next((p for p in build(r) if p.slug == panel), None)
    if found is None:
        return bad_request(f"page {slug!r} has no panel {panel!r}", status=404)
    return csv_response(found, f"chatmon-{slug}-{panel}-{r.key}.csv")


@staff_member_required
def index(request: HttpRequest) -> HttpResponse:
    return redirect("dashboards:overview")
