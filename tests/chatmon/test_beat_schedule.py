"""The default beat schedule is declared in code and synced into django-celery-beat's tables."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from chatmon.core.beat import declared_schedule, sync_beat_schedule

pytestmark = pytest.mark.django_db


def test_it_creates_every_declared_job():
    report = sync_beat_schedule()
    assert "chatmon.prune_job_runs" in report.created
    heartbeat = PeriodicTask.objects.get(name="chatmon.beat_heartbeat")
    assert heartbeat.task == "chatmon.beat_heartbeat"
    assert heartbeat.interval.every == 60
    prune = PeriodicTask.objects.get(name="chatmon.prune_job_runs")
    assert (prune.crontab.minute, prune.crontab.hour) == ("17", "3")
    assert set(PeriodicTask.objects.values_list("name", flat=True)) >= set(declared_schedule())


def test_it_keeps_an_operators_edits_unless_reset():
    sync_beat_schedule()
    PeriodicTask.objects.filter(name="chatmon.beat_heartbeat").update(enabled=False)

    again = sync_beat_schedule()
    assert "chatmon.beat_heartbeat" in again.unchanged
    assert PeriodicTask.objects.get(name="chatmon.beat_heartbeat").enabled is False

    reset = sync_beat_schedule(reset=True)
    assert "chatmon.beat_heartbeat" in reset.reset
    assert PeriodicTask.objects.get(name="chatmon.beat_heartbeat").enabled is True


def test_it_shows_the_synced_jobs_in_the_admin(client, operator):
    out = StringIO()
    call_command("sync_beat_schedule", stdout=out)
    assert "created" in out.getvalue()
    client.force_login(operator)
    page = client.get("/admin/django_celery_beat/periodictask/")
    assert page.status_code == 200
    assert b"chatmon.beat_heartbeat" in page.content
    assert b"chatmon.prune_job_runs" in page.content
