"""The rollup job runs on a real Celery worker, records a JobRun, and two runs at once compute the rows once."""

from __future__ import annotations

import pytest

from chatmon.core.models import JobRun
from chatmon.dashboards.models import ModelUsageHour
from chatmon.dashboards.tasks import roll_up_usage
from ledger import services as ledger

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_runs_on_a_worker_and_two_concurrent_runs_agree(celery_worker, member):
    ledger.spend_tokens(user=member, model="gpt-4o", prompt_tokens=700, completion_tokens=70)

    results = [roll_up_usage.delay(), roll_up_usage.delay()]
    summaries = [result.get(timeout=30) for result in results]

    assert any("model_hours" in summary for summary in summaries)
    row = ModelUsageHour.objects.get(model="gpt-4o")
    assert (row.prompt_tokens, row.completion_tokens) == (700, 70)
    runs = JobRun.objects.filter(task="chatmon.roll_up_usage")
    assert runs.count() == 2
    assert set(runs.values_list("status", flat=True)) == {JobRun.Status.SUCCESS}
