"""An operator logs into the admin in Chromium and opens the job run and periodic-task pages."""

from __future__ import annotations

import pytest
from django.utils import timezone

from chatmon.core.beat import sync_beat_schedule
from chatmon.core.models import JobRun

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_it_shows_job_runs_and_schedules_to_an_operator(page, operator, output_dir):
    sync_beat_schedule()
    JobRun.objects.create(
        task="chatmon.beat_heartbeat", status=JobRun.Status.SUCCESS, finished_at=timezone.now(), duration_ms=3.2
    )

    page.goto("/admin/login/")
    page.fill("#id_username", "operator")
    page.fill("#id_password", "operator-pass-1")
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")
    assert "Site administration" in page.content()

    page.goto("/admin/chatmon/jobrun/")
    row = page.locator("#result_list tbody tr").first
    assert "chatmon.beat_heartbeat" in row.inner_text()
    assert "success" in row.inner_text()
    page.screenshot(path=output_dir / "admin-jobruns.png", full_page=True)

    page.goto("/admin/django_celery_beat/periodictask/")
    names = page.locator("#result_list tbody tr").all_inner_texts()
    assert any("chatmon.prune_job_runs" in name for name in names)
    page.screenshot(path=output_dir / "admin-periodic-tasks.png", full_page=True)
    assert (output_dir / "admin-periodic-tasks.png").stat().st_size > 10_000
