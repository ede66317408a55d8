"""The one CSV writer of every export (the audit log's, the ledger admin's, the dashboards'): streamed, and
safe to open in a spreadsheet.

It lives here, in a module that imports no models, because the domain apps may not import chatmon or each
other: auditlog and chatmon import it, and the ledger names it by dotted path (`LEDGER_CSV_WRITER`, loaded
at call time as auditlog loads its client IP resolver from violations), so there is one implementation to fix.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence

from django.http import StreamingHttpResponse

# A spreadsheet runs a text cell starting with these as a formula (CSV injection): user names, user agents,
# grant reasons, endpoints and routes are text an attacker chooses. Numbers are left alone (-5 is data).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    def write(self, value: str) -> str:
        return value


def safe_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The header and each row as CSV lines, produced one at a time."""
    writer = csv.writer(_Echo())
    yield writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        yield writer.writerow([safe_cell(value) for value in row])


def csv_response(header: Sequence[str], rows: Iterable[Sequence[object]], filename: str) -> StreamingHttpResponse:
    """A streamed download: rows may be a database iterator, so a million of them never sit in memory."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
