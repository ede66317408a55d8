"""A dashboard panel: one table of rows, optionally drawn as a chart, downloadable as CSV."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpResponse

from auditlog.csvwriter import csv_lines


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

    @property
    def plotted(self) -> list[int]:
        return self.series or list(range(1, len(self.columns)))

    @property
    def has_data(self) -> bool:
        return any(any(_numeric(row[i]) for i in self.plotted) for row in self.rows)


def _numeric(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value != 0


def csv_response(panel: Panel, filename: str) -> HttpResponse:
    # Every export writes through auditlog's formula-safe writer (see its docstring for why it lives there);
    # a panel is small, so it is sent whole rather than streamed.
    response = HttpResponse("".join(csv_lines(panel.columns, panel.rows)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
