"""Every range puts traffic in the bucket where it happened: the last hour per minute (read from the rows, as
the rollups are hourly), the current unfinished bucket marked partial and never read as 0 requests/s, and the
tables under the charts newest first."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from chatmon.dashboards import ranges
from chatmon.dashboards.selectors import abuse, traffic, usage
from chatmon.monitoring import flusher
from chatmon.monitoring.compaction import compact
from ledger import services as ledger
from ledger.models import Transaction
from tests.dashboards.conftest import run_rollup_jobs
from tests.factories import UserFactory
from violations import services as violations
from violations.models import Violation
from violations.types import ViolationType

# The last hour reads what is still in Redis and this process's buffer: each test starts without any.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_recent_requests")]


def test_the_last_hour_is_minutes_with_the_newest_one_partial():
    r = ranges.parse("1h", now=dt.datetime(2026, 1, 5, 10, 30, 20, tzinfo=dt.UTC))
    buckets = r.buckets()

    assert buckets[0] == dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC)
    assert buckets[-1] == dt.datetime(2026, 1, 5, 10, 30, tzinfo=dt.UTC)
    assert all(b - a == timedelta(minutes=1) for a, b in itertools.pairwise(buckets))
    assert [r.is_partial(b) for b in buckets[-2:]] == [False, True]
    assert r.label_of(buckets[-1]) == "01-05 10:30 (partial)" and r.label_of(buckets[-2]) == "01-05 10:29"
    assert r.elapsed(buckets[-1]) == 20 and r.elapsed(buckets[-2]) == 60


def test_a_range_ending_on_a_boundary_has_no_partial_bucket():
    r = ranges.parse("24h", now=dt.datetime(2026, 1, 5, 10, 0, 0, tzinfo=dt.UTC))
    assert not any(r.is_partial(b) for b in r.buckets()[:-1])
    assert r.is_partial(r.buckets()[-1])  # 10:00:00 opens the 10:00 hour: nothing of it has passed yet


def _minute_label(r, moment):
    return r.label_of(r.bucket(moment))


@pytest.fixture
def ten_minutes_ago():
    return timezone.now() - timedelta(minutes=10)


def test_credits_and_tokens_of_the_last_hour_land_in_their_minute(ten_minutes_ago):
    user = UserFactory()
    ledger.spend_tokens(user=user, model="gpt-4o", prompt_tokens=1000, completion_tokens=500)
    Transaction.objects.update(created_at=ten_minutes_ago)
    run_rollup_jobs()
    r = ranges.parse("1h")
    tokens, credits = usage.token_panels(r)

    charged = -sum(Transaction.objects.values_list("token_value", flat=True))
    by_label = {row[0]: row for row in credits.rows}
    assert by_label[_minute_label(r, ten_minutes_ago)][1] == pytest.approx(charged)
    assert sum(row[1] for row in credits.rows) == pytest.approx(charged), "the whole hour is in that one minute"
    assert credits.rows[0][1] == 0, "not drawn at the start of the hour"
    assert {row[0]: row for row in tokens.rows}[_minute_label(r, ten_minutes_ago)][1:] == [1000, 500]
    assert len(credits.rows) in (61, 62)


def test_violations_and_bans_of_the_last_hour_land_in_their_minute(ten_minutes_ago):
    user = UserFactory()
    violations.log_violation(type=ViolationType.MESSAGE_LIMIT, user=user, score=1)
    Violation.objects.update(created_at=ten_minutes_ago)
    r = ranges.parse("1h")

    panel = abuse.violation_panel(r)
    row = {row[0]: row for row in panel.rows}[_minute_label(r, ten_minutes_ago)]
    assert row[panel.columns.index(ViolationType.MESSAGE_LIMIT)] == 1
    violations.ban(user=user, duration_ms=60_000, reason="test")
    bans = abuse.ban_panel(ranges.parse("1h"))  # a range of now: the ban came after `r` ended
    assert bans.rows[-1][1] == 1 and bans.rows[-1][0].endswith("(partial)")


def test_the_unfinished_minute_is_not_read_as_zero_requests(client):
    for _ in range(3):
        client.get("/health/live")  # requests of the current minute, in Redis until the minute is compacted
    flusher.flush()
    r = ranges.parse("1h")
    rates = traffic.traffic_panels(r)[0]

    assert rates.rows[-1][0].endswith("(partial)")
    assert rates.rows[-1][1] == pytest.approx(3 / r.elapsed(r.buckets()[-1]), rel=0.01), (
        "a rate over the seconds passed"
    )
    assert rates.table[0][0].text.endswith("(partial)"), "the table lists it first"


def test_a_minute_still_in_redis_is_read_from_there(client):
    client.get("/health/live")
    flusher.flush()
    compact(now=time.time() + 120)  # the minute moves to the database: the same figure, read from there
    client.get("/health/live")
    flusher.flush()
    r = ranges.parse("1h")
    total = sum(
        row[1] * r.elapsed(b) for row, b in zip(traffic.traffic_panels(r)[0].rows, r.buckets(), strict=True) if row[1]
    )

    assert total == pytest.approx(2, rel=0.05)  # rates are rounded to 3 decimals


def test_an_empty_unfinished_minute_has_no_figure_yet():
    r = ranges.parse("1h")
    rates, latency = traffic.traffic_panels(r)

    assert rates.rows[-1][1] is None and latency.rows[-1][1:] == [None, None, None]
    assert rates.table[0][1].text == ""


def test_a_partial_hour_is_a_rate_over_the_time_passed():
    r = ranges.parse("24h", now=dt.datetime(2026, 1, 5, 10, 15, 0, tzinfo=dt.UTC))
    last = r.buckets()[-1]
    assert r.elapsed(last) == 15 * 60
    assert r.label_of(last).endswith("(partial)")


def test_the_tables_under_charts_list_the_newest_bucket_first(staff_client, ten_minutes_ago):
    user = UserFactory()
    ledger.spend_tokens(user=user, model="gpt-4o", prompt_tokens=1000, completion_tokens=500)
    run_rollup_jobs()
    body = staff_client.get("/dashboard/usage/?range=1h").content.decode()
    panel = body[body.index('id="panel-credits"') :]
    first_row = panel[panel.index("<tbody>") : panel.index("</tr>", panel.index("<tbody>"))]

    assert "(partial)" in first_row and "Newest first." in panel[: panel.index("</section>")]
