"""The Overview's "Alerts" panel: incidents that were open at some moment of the range, newest first.

Alerting sits above the dashboards (alerting -> dashboards), so the dashboards cannot import it: the app adds
its section to the Overview when it is ready (apps.py), as any app may add panels through the Panel API.
"""

from __future__ import annotations

from django.db.models import Q

from chatmon.alerting.models import Incident
from chatmon.dashboards import links
from chatmon.dashboards.access import Section
from chatmon.dashboards.panels import Link, Panel
from chatmon.dashboards.ranges import Range

VIEW_INCIDENT = "chatmon_alerting.view_incident"
SHOWN = 20
MOMENT = "%m-%d %H:%M:%S"  # the range is at most 30 days: the year is the current one


def incidents_panel(r: Range) -> Panel:
    # Open at some moment of the range: opened before its end and not resolved before its start.
    incidents = (
        Incident.objects.filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=r.start), opened_at__lte=r.end)
        .select_related("rule")
        .order_by("-opened_at")[:SHOWN]
    )
    rows = [
        [Link(incident.rule.name, links.admin_list("chatmon_alerting.incident", rule__id__exact=incident.rule_id)),
         _state(incident), incident.summary]
        for incident in incidents
    ]  # fmt: skip
    # Three columns, so that the summary has room on a phone.
    columns = ["rule", "state (UTC)", "summary"]
    note = "Incidents open at some time in the range; each rule links to its incidents and their notices."
    return Panel("alerts", "Alerts", columns, rows, note=note, wide=True)


def _state(incident: Incident) -> str:
    """The state in words: `firing since 11-29 13:57:58`, `resolved 11-29 13:59:58, opened 11-29 13:57:58`,
    led by `critical:` for a critical rule."""
    opened = incident.opened_at.strftime(MOMENT)
    state = (f"firing since {opened}" if incident.resolved_at is None
             else f"resolved {incident.resolved_at.strftime(MOMENT)}, opened {opened}")  # fmt: skip
    critical = incident.rule.severity == incident.rule.Severity.CRITICAL
    return f"critical: {state}" if critical else state


def register() -> None:
    """Put the panel first on the Overview (once, however often the app is made ready)."""
    from chatmon.dashboards.pages import PAGES

    sections = PAGES["overview"][1]
    if not any(getattr(section.build, "__name__", "") == "_alerts" for section in sections):
        sections.insert(0, Section(VIEW_INCIDENT, _alerts))


def _alerts(r: Range) -> list[Panel]:
    return [incidents_panel(r)]
