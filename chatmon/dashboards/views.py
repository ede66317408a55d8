"""Staff-only dashboard views: a page of panels for a time range, and each panel as CSV. Each section of a
page opens with its own permission (chatmon/dashboards/access.py); the permission check comes before the range
is read, so a denied user learns nothing from a 400."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from chatmon.dashboards import access, charts, ranges
from chatmon.dashboards.pages import PAGES, denied_panel, panels_for
from chatmon.dashboards.panels import Panel, csv_response


def wants_html(request: HttpRequest) -> bool:
    """A browser (it asks for text/html before JSON) gets pages; API clients and scripts keep JSON errors."""
    accepted = [media.strip().split(";")[0] for media in request.headers.get("Accept", "").split(",")]
    html = accepted.index("text/html") if "text/html" in accepted else None
    json = accepted.index("application/json") if "application/json" in accepted else None
    return html is not None and (json is None or html < json)


def bad_request(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    """A 4xx that says what is wrong: an HTML page for a browser, `{"error", "message"}` JSON otherwise."""
    if wants_html(request):
        context = {"title": "Bad request" if status == 400 else "Not found", "message": message, "status": status,
                   "site_header": "chatmon", "has_permission": True, "pages": visible_pages(request.user),
                   "may_search_users": request.user.has_perm(access.users_permission())}  # fmt: skip
        return render(request, "chatmon/dashboards/error.html", context, status=status)
    return JsonResponse({"error": "invalid_request", "message": message}, status=status)


def _range(request: HttpRequest) -> ranges.Range:
    return ranges.parse(request.GET.get("range"))


def visible_pages(user) -> list[tuple[str, str]]:
    return [(slug, label) for slug, (label, sections) in PAGES.items() if access.allowed(user, sections)]


def page_context(request: HttpRequest, title: str, current: str, panels: list[Panel], r: ranges.Range) -> dict:
    return {
        "title": title,
        "current": current,
        "pages": visible_pages(request.user),
        "may_search_users": request.user.has_perm(access.users_permission()),
        "ranges": [(key, label) for key, (label, _, _) in ranges.RANGES.items()],
        "range": r,
        "panels": [(panel, charts.render(panel) if panel.chart and panel.has_data else None) for panel in panels],
        "site_header": "chatmon",
        "has_permission": True,
    }


@staff_member_required
def page(request: HttpRequest, slug: str) -> HttpResponse:
    access.require(bool(access.allowed(request.user, PAGES[slug][1])))
    try:
        r = _range(request)
    except ranges.BadRange as exc:
        return bad_request(request, str(exc))
    panels = panels_for(request.user, slug, r)
    return render(request, "chatmon/dashboards/page.html", page_context(request, PAGES[slug][0], slug, panels, r))


@staff_member_required
def panel_csv(request: HttpRequest, slug: str, panel: str) -> HttpResponse:
    access.require(bool(access.allowed(request.user, PAGES[slug][1])))
    try:
        r = _range(request)
    except ranges.BadRange as exc:
        return bad_request(request, str(exc))
    found = next((p for p in panels_for(request.user, slug, r) if p.slug == panel), None)
    if found is None:
        access.require(not denied_panel(request.user, slug, r, panel))
        return bad_request(request, f"page {slug!r} has no panel {panel!r}", status=404)
    return csv_response(found, f"chatmon-{slug}-{panel}-{r.key}.csv")


@staff_member_required
def index(request: HttpRequest) -> HttpResponse:
    """The first dashboard the user may see (User 360's search when that is all), else 403."""
    pages = visible_pages(request.user)
    if pages:
        return redirect(f"dashboards:{pages[0][0]}")
    access.require(request.user.has_perm(access.users_permission()))
    return redirect("dashboards:users")
