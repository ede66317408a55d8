"""A dashboard panel: one table of rows, optionally drawn as a chart, downloadable as CSV.

Rows hold plain values (numbers for charts and CSV) and `Link`s (a user, IP, model or route with the page
where the operator acts on it). How a cell reads on the page is decided here, once: `formats` names the
columns that hold credits, money or rates, and those go through ledger/money.py like every other amount.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.http import HttpResponse

from auditlog.csvwriter import csv_lines
from chatmon.dashboards.sparkline import Sparkline
from ledger import money


@dataclass(frozen=True)
class Link:
    """A cell that names something the operator can act on: its text (also in CSV and chart labels), the
    page to act on it and, for users, the e-mail shown to viewers who may read users' e-mails."""

    text: str
    href: str
    detail: str = ""

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Cell:
    text: str
    href: str = ""
    detail: str = ""
    numeric: bool = False
    svg: str = ""  # a sparkline drawn in the cell (its numbers are the text, for CSV)

    @property
    def nowrap(self) -> bool:
        # Numbers and times are never broken across lines ("2026-11-29" over "12:40:27" reads as two values).
        return self.numeric or bool(MOMENT.match(self.text))


MOMENT = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?$")


# Column formats: how a number reads in the table (CSV and charts keep the number).
FORMATTERS = {
    "credits": money.format_credits,
    "money": money.format_currency,  # cells hold money.round_money(credits): already in the currency
    "rate": money.format_rate,
    "int": lambda value: f"{value:,.0f}",
    "number": lambda value: _number(value),
}


def _number(value: float) -> str:
    """Counts with separators; other figures to two decimals from 1 up, three significant digits below
    (0.00347 requests/s is not 0), trailing zeros dropped."""
    if value % 1 == 0:
        return f"{value:,.0f}"
    text = f"{value:,.2f}" if abs(value) >= 1 else f"{value:.3g}"
    return text.rstrip("0").rstrip(".") if "." in text and "e" not in text else text


def money_columns(name: str = "credits") -> list[str]:
    """The two columns of an amount: credits and their price in the display currency."""
    return [name, money.currency_label()]


@dataclass
class Panel:
    slug: str
    title: str
    columns: list[str]
    rows: list[list]
    # "line" and "bar" plot every numeric column after the first against the first; "pie" plots column 1
    # by the labels of column 0; None shows the table only.
    chart: str | None = None
    note: str = ""
    series: list[int] = field(default_factory=list)  # columns to plot; empty means all after the first
    formats: dict[int, str] = field(default_factory=dict)  # column index -> a FORMATTERS key
    # Rows are time buckets, oldest first (as the chart draws them); the table lists them newest first.
    timeline: bool = False
    wide: bool = False  # a table of many columns: the panel takes the page's whole width

    @property
    def plotted(self) -> list[int]:
        return self.series or list(range(1, len(self.columns)))

    @property
    def has_data(self) -> bool:
        return any(any(_numeric(row[i]) for i in self.plotted) for row in self.rows)

    @property
    def table(self) -> list[list[Cell]]:
        """The rows as the page shows them: formatted, linked, newest first for a timeline."""
        rows = reversed(self.rows) if self.timeline else self.rows
        return [[self._cell(index, value) for index, value in enumerate(row)] for row in rows]

    def format_value(self, index: int, value) -> str:
        """A number of column `index` as the table shows it."""
        if value is None:
            return ""
        return FORMATTERS[self.formats.get(index, "number")](value)

    def _cell(self, index: int, value) -> Cell:
        if isinstance(value, Link):
            return Cell(value.text, value.href, value.detail)
        if isinstance(value, Sparkline):
            return Cell(str(value), svg=value.svg)
        if value is None:
            return Cell("")
        if isinstance(value, bool) or not isinstance(value, int | float):
            return Cell(str(value))
        return Cell(self.format_value(index, value), numeric=True)

    @property
    def csv_rows(self) -> list[list]:
        # Links go out as their text, so the CSV writer's formula guard sees a string.
        return [[str(value) if isinstance(value, Link | Sparkline) else value for value in row] for row in self.rows]


def _numeric(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value != 0


def csv_response(panel: Panel, filename: str) -> HttpResponse:
    # Every export writes through auditlog's formula-safe writer (see its docstring for why it lives there);
    # a panel is small, so it is sent whole rather than streamed.
    response = HttpResponse("".join(csv_lines(panel.columns, panel.csv_rows)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
