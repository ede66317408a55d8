"""The cohort triangle as CSV (staff with the permission to view cohort cells)."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import JsonResponse

from auditlog.csvwriter import csv_response
from chatmon.analytics import cohorts
from chatmon.analytics.models import CohortCell


@staff_member_required
@permission_required("chatmon_analytics.view_cohortcell", raise_exception=True)
def cohorts_csv(request, resolution: str):
    if resolution not in CohortCell.Resolution.values:
        return JsonResponse({"error": f"resolution is one of {CohortCell.Resolution.values}"}, status=404)
    table = cohorts.triangle(resolution)
    width = max((len(shares) for _, _, shares in table), default=0)
    header = ["cohort", "users", *[f"{resolution} {offset}" for offset in range(width)]]
    rows = ([cohort.isoformat(), size, *[f"{share:.4f}" for share in shares]] for cohort, size, shares in table)
    return csv_response(header, rows, f"cohorts-{resolution}.csv")
