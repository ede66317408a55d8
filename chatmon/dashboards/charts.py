"""Server-side SVG charts (pygal), inlined in the page: no script or stylesheet from the internet."""

from __future__ import annotations

import pygal
from django.utils.safestring import SafeString, mark_safe
from pygal.style import Style

from chatmon.dashboards.panels import FORMATTERS, Panel

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
CHART_WIDTH = 900
LABEL_CHAR_PX = 7  # pygal's label font at the chart's own scale, wide enough that labels never overlap
# Axis labels: whole credits and tokens (the table has the decimals), money as the table shows it.
AXIS_FORMATS = {"credits": "int", "int": "int"}


def render(panel: Panel) -> SafeString:
    """The panel as inline SVG; pygal's interactive script is off (js=[]) so nothing is fetched."""
    # Axis labels read as the table does (separators, the currency), through the same formatters.
    first = panel.plotted[0] if panel.plotted else 1
    axis = FORMATTERS[AXIS_FORMATS.get(panel.formats.get(first, "number"), panel.formats.get(first, "number"))]
    chart = KINDS[panel.chart](
        value_formatter=axis,
        style=STYLE, js=[], disable_xml_declaration=True, width=CHART_WIDTH, height=260, explicit_size=False,
        show_legend=True, legend_at_bottom=True, legend_at_bottom_columns=4, x_label_rotation=0,
        truncate_label=22, print_values=False, dots_size=1.5, margin=8,
    )  # fmt: skip
    if panel.chart == "pie":
        for row in panel.rows:
            chart.add(str(row[0]), row[1] or 0)
    else:
        labels = [str(row[0]) for row in panel.rows]
        # As many labels as fit side by side: long ones (a time to the second) get fewer. The others are blanked
        # here rather than made "minor", since pygal picks major labels by text and repeats (two rows in one
        # second) would all be drawn on top of each other.
        fit = max(2, min(MAX_X_LABELS, CHART_WIDTH // (LABEL_CHAR_PX * max(map(len, labels), default=1) + 12)))
        every = max(1, -(-len(labels) // fit))
        chart.x_labels = [label if index % every == 0 else "" for index, label in enumerate(labels)]
        for index in panel.plotted:
            chart.add(panel.columns[index], [row[index] for row in panel.rows])
    return mark_safe(chart.render(is_unicode=True))
