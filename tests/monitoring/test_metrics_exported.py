"""/metrics exports request, streaming, process, queue-depth and beat-job metrics with bounded labels."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from chatmon.core.models import JobRun
from chatmon.monitoring import process

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.monitoring.urls")]


def value(text: str, sample: str) -> float:
    match = re.search(rf"^{re.escape(sample)} (\S+)$", text, re.M)
    assert match, f"{sample} not exported"
    return float(match.group(1))


def test_it_counts_requests_by_route_template_method_and_status_class(client, scrape):
    before = scrape()
    client.get("/t/items/41")
    client.get("/t/items/42")
    client.get("/t/boom")
    text = scrape()
    ok = 'chatmon_http_requests_total{method="GET",route="t/items/<int:pk>",status_class="2xx"}'
    failed = 'chatmon_http_requests_total{method="GET",route="t/boom",status_class="5xx"}'
    assert value(text, ok) - (value(before, ok) if ok in before else 0) == 2
    assert value(text, failed) >= 1
    assert 'route="t/items/41"' not in text
    assert 'chatmon_http_request_duration_seconds_bucket{le="0.005",method="GET",route="t/items/<int:pk>"}' in text
    assert value(text, "chatmon_http_requests_in_flight") == 1  # the scrape itself


def test_it_exports_stream_timing(client, scrape):
    response = client.get("/t/stream")
    b"".join(response.streaming_content)
    text = scrape()
    assert value(text, 'chatmon_http_stream_ttfb_seconds_count{route="t/stream"}') >= 1
    assert value(text, 'chatmon_http_stream_bytes_sum{route="t/stream"}') > 0


def test_it_reports_queue_depths_at_scrape_time(scrape, settings):
    from kombu import Queue

    from chatmon.celery import app

    probe = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-depth-probe"  # a queue no worker consumes
    settings.MONITORING_CELERY_QUEUES = [probe, f"{probe}-never-declared"]
    with app.connection_for_write() as conn:
        producer = conn.Producer()
        for _ in range(3):
            producer.publish({"x": 1}, routing_key=probe, declare=[Queue(probe)])
        try:
            text = scrape()
        finally:
            Queue(probe, channel=conn.default_channel).delete()
    assert value(text, f'chatmon_celery_queue_depth{{queue="{probe}"}}') == 3
    assert value(text, f'chatmon_celery_queue_depth{{queue="{probe}-never-declared"}}') == 0


def test_it_reports_each_beat_jobs_last_success_and_last_outcome(scrape):
    finished = timezone.now()
    JobRun.objects.create(task="chatmon.beat_heartbeat", status="success", finished_at=finished)
    JobRun.objects.create(task="chatmon.prune_job_runs", status="failure", finished_at=finished)
    text = scrape()
    assert value(text, 'chatmon_job_last_success_timestamp_seconds{job="chatmon.beat_heartbeat"}') == pytest.approx(
        finished.timestamp()
    )
    assert value(text, 'chatmon_job_last_run_failed{job="chatmon.beat_heartbeat"}') == 0
    assert value(text, 'chatmon_job_last_run_failed{job="chatmon.prune_job_runs"}') == 1
    assert 'chatmon_job_last_success_timestamp_seconds{job="chatmon.prune_job_runs"}' not in text


def test_it_exports_process_memory_and_cpu(scrape):
    process.sample()
    text = scrape()
    assert value(text, 'chatmon_process_resident_memory_bytes{kind="web"}') > 10_000_000
    assert 'chatmon_process_cpu_seconds_total{kind="web"}' in text
    assert value(text, 'chatmon_processes{kind="web"}') == 1
