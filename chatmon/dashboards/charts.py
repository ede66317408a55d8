"""Server-side SVG charts (pygal), inlined in the page: no script or stylesheet from the internet."""

from __future__ import annotations

import pygal
from django.utils.safestring import SafeString, mark_safe
from pygal.style import Style

from chatmon.dashboards.panels import Panel

# The admin's palette, so charts look like the pages around them.
STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#333",
    foreground_strong="#333",
    foreground_subtle="#999",
    colors=("#417690", "#ba2121", "#e6a23c", "#79aec8", "#5b8c5a", "#8e6fbf", "#666"),
    font_family="-apple-system, 'Segoe UI', system-ui, Roboto, sans-serif",
)
KINDS = {"line": pygal.Line, "bar": pygal.Bar, "pie": pygal.Pie}
MAX_X_LABELS = 12


def render(panel: Panel) -> SafeString:
    """The panel as inline SVG; pygal's interactive script is off (js=[]) so nothing is fetched."""
    chart = KINDS[panel.chart](
        style=STYLE, js=[], disable_xml_declaration=True, width=900, height=260, explicit_size=False,
        show_legend=True, legend_at_bottom=True, legend_at_bottom_columns=4, x_label_rotation=0,
        truncate_label=22, show_minor_x_labels=False, print_values=False, dots_size=1.5, margin=8,
    )  # fmt: skip
    if panel.chart == "pie":
        for row in panel.rows:
            chart.add(str(row[0]), row[1] or 0)
    else:
        labels = [str(row[0]) for row in panel.rows]
        chart.x_labels = labels
        chart.x_labels_major_every = max(1, len(labels) // MAX_X_LABELS)
        for index in panel.plotted:
            chart.add(panel.columns[index], [row[index] for row in panel.rows])
    return mark_safe(chart.render(is_unicode=True))
