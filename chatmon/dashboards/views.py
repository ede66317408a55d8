"""Staff-only dashboard views: a page of panels for a time range, and each panel as CSV. Each section of a
page opens with its own permission (chatmon/dashboards/access.py); the permission check comes before the range
is read, so a denied user learns nothing from a 400."""

from __future__ import annotations

import dataclasses

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from chatmon.dashboards import access, charts, filters, ranges
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
    """The range (a preset or a zoomed window) and filters of the request; BadRange or BadFilter (both
    ValueError) say what is wrong."""
    return dataclasses.replace(ranges.from_query(request.GET), filters=filters.parse(request.GET))


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
        "panels": [(panel, charts.spec(panel, r)) for panel in panels],
        # A zoomed window's way out: twice as long around the same centre, or back to the default range.
        "zoom_out": ranges.zoomed_out(r, now=timezone.now()) if r.zoomed else None,
        "zoom_back": ranges.parse(None) if r.zoomed else None,
        "spend_filters": _spend_filters(r, panels) if current in SPEND_FILTER_PAGES else None,
        # Range switches and CSV links keep the filters.
        "filter_query": f"&{r.filters.query}" if r.filters.query else "",
        "site_header": "chatmon",
        "has_permission": True,
    }


SPEND_FILTER_PAGES = {"usage"}
SPEND_FILTERS = {"model": "Model", "endpoint": "Endpoint", "source": "API-key source", "user": "User"}
SUGGESTED_BY = {"spend-by-model": "model", "spend-by-endpoint": "endpoint", "spend-by-source": "source"}


def _spend_filters(r: ranges.Range, panels: list[Panel]) -> list[dict]:
    """The filter form's fields, each with its value and, as suggestions, the names the spend panels show."""
    names = {SUGGESTED_BY[p.slug]: [str(row[0]) for row in p.rows] for p in panels if p.slug in SUGGESTED_BY}
    return [{"name": name, "label": label, "value": getattr(r.filters, name), "options": names.get(name, [])}
            for name, label in SPEND_FILTERS.items()]  # fmt: skip


@staff_member_required
def page(request: HttpRequest, slug: str) -> HttpResponse:
    access.require(bool(access.allowed(request.user, PAGES[slug][1])))
    try:
        r = _range(request)
    except (ranges.BadRange, filters.BadFilter) as exc:
        return bad_request(request, str(exc))
    panels = panels_for(request.user, slug, r)
    return render(request, "chatmon/dashboards/page.html", page_context(request, PAGES[slug][0], slug, panels, r))


@staff_member_required
def panel_csv(request: HttpRequest, slug: str, panel: str) -> HttpResponse:
    access.require(bool(access.allowed(request.user, PAGES[slug][1])))
    try:
        r = _range(request)
    except (ranges.BadRange, filters.BadFilter) as exc:
        return bad_request(request, str(exc))
    found = next((p for p in panels_for(request.user, slug, r) if p.slug == panel), None)
    if found is None:
        access.require(not denied_panel(request.user, slug, r, panel))
        return bad_request(request, f"page {slug!r} has no panel {panel!r}", status=404)
    return csv_response(found, f"chatmon-{slug}-{panel}-{r.tag}.csv")


@staff_member_required
def index(request: HttpRequest) -> HttpResponse:
    """The first dashboard the user may see (User 360's search when that is all), else 403."""
    pages = visible_pages(request.user)
    if pages:
        return redirect(f"dashboards:{pages[0][0]}")
    access.require(request.user.has_perm(access.users_permission()))
    return redirect("dashboards:users")
