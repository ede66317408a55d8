"""The budgets' beat job (declared in PoliciesConfig.beat_schedule, so each run records a JobRun)."""

from __future__ import annotations

from celery import shared_task

from chatmon.policies import services


@shared_task(name="chatmon.check_budgets")
def check_budgets() -> dict:
    """Claim and announce each budget level crossed this period (once per budget, period and level)."""
    return {"notices": services.send_budget_notices()}
