"""A panel's chart as data for the browser: Chart.js (vendored in static/chatmon/vendor, so no request leaves the
site) draws it from JSON that the page carries (json_script), through static/chatmon/dashboards/charts.js.

Every value a tooltip shows is formatted here by the panel's own formatters, so a hover reads exactly like the
table row under the chart (credits with their money, rates, counts); the browser formats only axis ticks. The
table stays the page's content: with JavaScript off no chart is drawn and nothing else is lost.

Panels come from many modules (other apps add theirs), so nothing here trusts their shape: a plotted column
that does not exist is skipped, a value that is not a finite number is a gap, a short row is padded.
"""

from __future__ import annotations

import itertools
import math

from chatmon.dashboards.panels import Link, Panel
from chatmon.dashboards.ranges import PARTIAL, Range
from ledger import money

# Axis ticks of whole credits and tokens read without decimals (the tooltip has them).
WHOLE = {"credits", "int"}


def spec(panel: Panel, r: Range | None = None) -> dict | None:
    """What charts.js needs to draw `panel`, or None when the panel has no chart or nothing to plot; with the
    page's range, a timeline's periods too, so that a drag across it can zoom in."""
    if panel.chart not in ("line", "bar", "pie") or not panel.rows or not _has_data(panel):
        return None
    width = len(panel.columns)
    rows = [list(row)[:width] + [None] * (width - len(row)) for row in panel.rows]
    plotted = [index for index in panel.plotted if 0 < index < width]
    if panel.chart == "pie":
        plotted = plotted[:1]
    labels = [_text(row[0]) for row in rows]
    percent = [index for index in plotted if _is_percent(panel.columns[index])]
    # A percentage beside other units gets the right-hand axis, so an error rate is not flattened by req/s.
    right = set(percent) if percent and len(percent) < len(plotted) else set()
    series = [
        {"name": str(panel.columns[index]), "values": [_number(row[index]) for row in rows],
         "axis": "y1" if index in right else "y"}
        for index in plotted
    ]  # fmt: skip
    return {
        "kind": panel.chart,
        "title": panel.title,
        "timeline": panel.timeline,
        # Bars of named things (routes, users, models) lie down, so long names read on the left.
        "horizontal": panel.chart == "bar" and not panel.timeline,
        "labels": labels,
        "partial": panel.timeline and bool(labels) and labels[-1].endswith(PARTIAL),
        "series": series,
        "axes": {
            "y": _axis(panel, rows, [i for i in plotted if i not in right]),
            "y1": _axis(panel, rows, sorted(right)),
        },
        "tips": [_tip(panel, row) for row in rows],
        "periods": _periods(labels, r) if panel.timeline and r is not None else None,
    }


def _periods(labels: list[str], r: Range) -> list[list[int]] | None:
    """[start, end] of each row in epoch milliseconds, or None (no zoom) when a label names no period. A row
    ends where the next begins (a daily series on an hourly range, or minutes with gaps, are still whole);
    the last one after its own length, cut at the range's end."""
    found = [r.period_of(label) for label in labels]
    if not found or None in found:
        return None
    starts = [start for start, _ in found]
    if any(later <= earlier for earlier, later in itertools.pairwise(starts)):
        return None  # not oldest first: no period to give a drag
    last_start, last_length = found[-1]
    # Cut at the range's end, unless the row lies past it (a panel reading beyond a past window).
    last_end = min(last_start + last_length, r.end) if last_start < r.end else last_start + last_length
    ends = [*starts[1:], last_end]
    return [[_ms(start), _ms(end)] for start, end in zip(starts, ends, strict=True)]


def _ms(moment) -> int:
    return round(moment.timestamp() * 1000)


def _has_data(panel: Panel) -> bool:
    try:
        return panel.has_data
    except (IndexError, TypeError):  # a row shorter than its columns: judged below, cell by cell
        return any(_number(value) for row in panel.rows for value in list(row)[1:])


def _tip(panel: Panel, row: list) -> list[list[str]]:
    """The row as the table shows it, one (column, text) pair per cell after the label."""
    return [[str(column), _cell_text(panel, index, row[index])] for index, column in enumerate(panel.columns) if index]


def _cell_text(panel: Panel, index: int, value) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _text(value)
    try:
        return panel.format_value(index, value)
    except (KeyError, ValueError, TypeError):  # an unknown format name: the number as it is
        return str(value)


def _axis(panel: Panel, rows: list[list], columns: list[int]) -> dict:
    """How the browser writes the ticks of an axis plotting `columns`: the first one's format decides, and
    counts (every value a whole number) get no ticks between whole numbers (no "0.5 bans")."""
    if not columns:
        return {}
    fmt = panel.formats.get(columns[0], "number")
    counts = all(isinstance(row[i], int) or row[i] is None for row in rows for i in columns)
    axis = {"format": fmt, "whole": fmt in WHOLE or counts, "prefix": "", "suffix": ""}
    if fmt == "money":
        code = money.currency_label()
        symbol = money.SYMBOLS.get(code.upper())
        axis.update(prefix=symbol or "", suffix="" if symbol else f" {code}")
    elif all(_is_percent(panel.columns[index]) for index in columns):
        axis["suffix"] = " %"
    return axis


def _is_percent(column) -> bool:
    return str(column).rstrip().endswith("%")


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return value


def _text(value) -> str:
    if value is None:
        return ""
    return value.text if isinstance(value, Link) else str(value)
