"""CSV export of audit events, streamed so a large selection does not sit in memory."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from auditlog.chain import canonical_json
from auditlog.models import AuditEvent

COLUMNS = ["id", "seq", "created_at", "action", "domain", "outcome", "actor_id", "actor_label", "subject_id",
           "target_type", "target_id", "target_repr", "ip", "user_agent", "request_id", "metadata", "hash"]  # fmt: skip
# A spreadsheet runs a cell starting with these as a formula; an attacker controls user agents and names.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _row(event: AuditEvent) -> list[str]:
    values = {
        **{name: getattr(event, name) for name in COLUMNS},
        "created_at": event.created_at.isoformat(),
        "target_type": event.target_type.model if event.target_type_id else "",
        "metadata": canonical_json(event.metadata),
    }
    return [_cell(values[name]) for name in COLUMNS]


def rows(events: Iterable[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS)
    for event in events:
        yield writer.writerow(_row(event))


def csv_response(queryset: QuerySet[AuditEvent], filename: str = "audit-events.csv") -> StreamingHttpResponse:
    events = queryset.select_related("target_type").order_by("seq").iterator(chunk_size=2000)
    response = StreamingHttpResponse(rows(events), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
