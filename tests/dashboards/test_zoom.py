"""Zooming on time (?from=&to=): the window's grain follows its length, it is widened to whole buckets, only a
window reaching now has a partial bucket, every page and CSV follows it, and a bad window is a 400 that says
what is wrong (an HTML page for a browser, JSON for a script)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from datetime import timedelta

import pytest
from django.http import QueryDict
from django.utils import timezone

from chatmon.dashboards import charts, links, ranges
from chatmon.dashboards.pages import PAGES
from chatmon.dashboards.selectors import breakdown, models, usage
from ledger import services as ledger
from ledger.models import Transaction
from tests.dashboards.conftest import run_rollup_jobs
from tests.factories import UserFactory

NOW = dt.datetime(2026, 11, 29, 16, 40, 20, tzinfo=dt.UTC)
MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)


def window(query: str, now: dt.datetime = NOW) -> ranges.Range:
    return ranges.from_query(QueryDict(query), now=now)


@pytest.mark.parametrize(
    ("query", "step", "start", "end"),
    [
        # Up to 2 hours per minute, widened to whole minutes.
        ("from=2026-11-29T14:05:30Z&to=2026-11-29T14:35:10Z", MINUTE, "2026-11-29 14:05", "2026-11-29 14:36"),
        ("from=2026-11-29T12:00:00Z&to=2026-11-29T14:00:00Z", MINUTE, "2026-11-29 12:00", "2026-11-29 14:00"),
        # Beyond, per hour up to 7 days: a window ending 16:20 reads the whole 16:00 hour, so it ends at 17:00.
        ("from=2026-11-28T10:20:00Z&to=2026-11-28T16:20:00Z", HOUR, "2026-11-28 10:00", "2026-11-28 17:00"),
        ("from=2026-11-20T00:00:00Z&to=2026-11-27T00:00:00Z", HOUR, "2026-11-20 00:00", "2026-11-27 00:00"),
        # Then per day, in whole days.
        ("from=2026-10-03T14:00:00Z&to=2026-10-13T14:00:00Z", DAY, "2026-10-03 00:00", "2026-10-14 00:00"),
        # An offset is converted; a time without one is UTC.
        ("from=2026-11-29T15:05:00%2B01:00&to=2026-11-29T14:35", MINUTE, "2026-11-29 14:05", "2026-11-29 14:35"),
    ],
)
def test_the_grain_follows_the_window_and_the_window_whole_buckets(query, step, start, end):
    r = window(query)

    assert r.zoomed and r.step == step
    assert (f"{r.start:%Y-%m-%d %H:%M}", f"{r.end:%Y-%m-%d %H:%M}") == (start, end)
    assert not any(r.is_partial(b) for b in r.buckets()[:-1])
    assert r.buckets()[-1] + step == r.end, "the last bucket is whole: it is not drawn as partial"
    assert len(r.buckets()) == r.span / step
    assert r.minute_grain == (step == MINUTE)


def test_route_and_model_links_open_the_same_window():
    """A route or model named on a zoomed page opens its own page over that window, not the default 24 h."""
    zoomed = window("from=2026-11-29T14:00:00Z&to=2026-11-29T14:30:00Z")
    day = ranges.parse("24h", now=NOW)
    kept = "from=2026-11-29T14:00:00Z&to=2026-11-29T14:30:00Z"
    assert links.route("api/v1/spends", "POST", zoomed).href == (
        f"/dashboard/performance/?{kept}&route=api%2Fv1%2Fspends&method=POST"
    )
    assert models.model_link("gpt-4o", zoomed).href == f"/dashboard/models/?{kept}&model=gpt-4o"
    assert links.route("healthz", "GET", day).href == "/dashboard/performance/?range=24h&route=healthz&method=GET"
    assert models.model_link("gpt-4o", day).href == "/dashboard/models/?range=24h&model=gpt-4o"


def test_it_labels_the_window_and_its_buckets():
    r = window("from=2026-11-29T14:05:00Z&to=2026-11-29T14:35:00Z")

    assert r.label == "2026-11-29 14:05\u201314:35 UTC" and r.step_label == "1-minute buckets"
    assert len(r.buckets()) == 30 and r.label_of(r.buckets()[0]) == "11-29 14:05"
    assert r.tag == "20261129T1405Z-20261129T1435Z"
    assert window(r.query) == r, "its links select it again"
    assert window("from=2026-11-28T22:00:00Z&to=2026-11-29T02:00:00Z").label == (
        "2026-11-28 22:00 \u2013 2026-11-29 02:00 UTC"
    )


def test_a_window_reaching_now_ends_now_with_the_newest_bucket_partial():
    r = window("from=2026-11-29T16:10:00Z&to=2026-11-29T16:40:50Z")  # the browser's clock 30 s ahead

    assert r.end == NOW
    newest = r.buckets()[-1]
    assert newest == dt.datetime(2026, 11, 29, 16, 40, tzinfo=dt.UTC)
    assert r.is_partial(newest) and r.elapsed(newest) == 20
    assert r.label_of(newest).endswith("(partial)")


def test_zooming_out_doubles_the_window_around_its_centre_but_not_past_now():
    r = window("from=2026-11-29T14:05:00Z&to=2026-11-29T14:35:00Z")
    out = ranges.zoomed_out(r, now=NOW)
    assert (out.start, out.end) == (r.start - 15 * MINUTE, r.end + 15 * MINUTE)

    recent = window("from=2026-11-29T16:00:00Z&to=2026-11-29T16:40:00Z")
    out = ranges.zoomed_out(recent, now=NOW)
    assert out.end == NOW and out.span == 80 * MINUTE + timedelta(seconds=20)  # widened to whole minutes

    longest = window("from=2025-10-25T00:00:00Z&to=2026-11-29T00:00:00Z")
    assert ranges.zoomed_out(longest, now=NOW) is None


def test_a_chart_gets_each_rows_period_to_zoom_on():
    r = window("from=2025-12-31T23:50:00Z&to=2026-01-01T00:10:00Z", now=dt.datetime(2026, 1, 1, 1, tzinfo=dt.UTC))
    labels = [r.label_of(b) for b in r.buckets()]
    assert labels[0] == "12-31 23:50" and labels[-1] == "01-01 00:09"
    assert [r.period_of(label)[0] for label in labels] == r.buckets(), "December is the year before"
    assert r.period_of("2026-11-29") == (dt.datetime(2026, 11, 29, tzinfo=dt.UTC), DAY)
    assert r.period_of("gpt-4o") is None


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=yesterday&to=2026-11-29T14:00:00Z", "from is not a time"),
        ("from=2026-11-29T14:00:00Z&to=", "to is not a time"),
        ("from=nan&to=inf", "from is not a time"),
        ("from=2026-11-29T14:00:00Z&to=" + "9" * 500, "to is not a time"),
        ("from=0001-01-01T00:30:00%2B01:00&to=2026-11-29T14:00:00Z", "from is not a time"),
        ("from=2026-11-29T14:00:00Z&to=2026-11-29T13:00:00Z", "to must be after from"),
        ("from=2026-11-29T14:00:00Z&to=2026-11-29T14:00:00Z", "to must be after from"),
        ("from=2026-11-29T14:00:00Z&to=2026-11-29T14:00:59Z", "at least 1 minute"),
        ("from=2025-01-01T00:00:00Z&to=2026-11-29T14:00:00Z", "at most 400 days"),
        ("from=2026-11-29T16:00:00Z&to=2026-11-29T16:45:00Z", "to is in the future"),
        ("from=2026-11-29T14:00:00Z", "only from= was given"),
        ("to=2026-11-29T14:00:00Z", "only to= was given"),
        ("range=24h&from=2026-11-29T14:00:00Z&to=2026-11-29T15:00:00Z", "not both"),
    ],
)
def test_it_refuses_a_bad_window(query, message):
    with pytest.raises(ranges.BadRange, match=message):
        window(query)


BAD = "from=2026-11-29T14:00:00Z&to=2026-11-29T13:00:00Z"


@pytest.mark.django_db
@pytest.mark.parametrize("slug", [*PAGES, "models-compare"])
def test_every_page_refuses_a_bad_window_with_a_page_or_json(staff_client, slug):
    url = f"/dashboard/{slug}/?{BAD}"
    if slug == "models-compare":
        url = f"/dashboard/models/?compare=a,b&{BAD}"
    page = staff_client.get(url, HTTP_ACCEPT="text/html,application/xhtml+xml")
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")
    assert "to must be after from" in page.content.decode()

    script = staff_client.get(url)
    assert script.status_code == 400
    assert script.json() == {"error": "invalid_request", "message": script.json()["message"]}
    assert "to must be after from" in script.json()["message"]


@pytest.mark.django_db
def test_a_csv_refuses_a_bad_window(staff_client):
    response = staff_client.get("/dashboard/overview/traffic.csv?from=2026-11-29T14:00:00Z&to=soon")
    assert response.status_code == 400 and "to is not a time" in response.json()["message"]


@pytest.fixture
def spend_three_days_ago(db):
    """A spend 3 days ago, 14:07:30 UTC, with the rollups run: hourly rows and the ledger's own rows."""
    moment = (timezone.now() - 3 * DAY).replace(hour=14, minute=7, second=30, microsecond=0)
    ledger.spend_tokens(user=UserFactory(), model="gpt-4o", prompt_tokens=1000, completion_tokens=500)
    Transaction.objects.update(created_at=moment)
    run_rollup_jobs()
    return moment


def test_a_past_window_reads_its_own_minutes(spend_three_days_ago):
    day = spend_three_days_ago.date()
    r = window(f"from={day}T14:00:00Z&to={day}T14:30:00Z", now=timezone.now())
    tokens, credits = usage.token_panels(r)

    assert len(credits.rows) == 30, "a row per minute, none partial"
    by_label = {row[0]: row for row in tokens.rows}
    assert by_label[spend_three_days_ago.strftime("%m-%d 14:07")][1:] == [1000, 500]
    assert sum(row[1] for row in tokens.rows) == 1000
    periods = charts.spec(tokens, r)["periods"]
    minute_7 = (r.start + 7 * MINUTE).timestamp() * 1000
    assert periods[7] == [minute_7, minute_7 + 60_000], "the chart's 8th row is 14:07-14:08 in epoch ms"


def test_every_page_and_its_csvs_follow_the_window(staff_client, spend_three_days_ago):
    day = spend_three_days_ago.date()
    query = f"from={day}T14:00:00Z&to={day}T14:30:00Z"
    for slug in PAGES:
        response = staff_client.get(f"/dashboard/{slug}/?{query}&model=gpt-4o")
        assert response.status_code == 200, slug
        body = response.content.decode()
        assert f"{day} 14:00\u201314:30 UTC" in body and "1-minute buckets" in body
        assert f".csv?from={day}T14:00:00Z&amp;to={day}T14:30:00Z&amp;model=gpt-4o" in body, "CSV links keep both"
        assert 'href="?range=24h&amp;model=gpt-4o" id="zoom-back">Back to 24 hours' in body
    zoom_out = f"?from={day}T13:45:00Z&amp;to={day}T14:45:00Z&amp;model=gpt-4o"
    assert zoom_out in body
    compare = staff_client.get(f"/dashboard/models/?compare=gpt-4o,gpt-4o-mini&{query}")
    assert compare.status_code == 200 and "1-minute buckets" in compare.content.decode()

    response = staff_client.get(f"/dashboard/overview/tokens.csv?{query}")
    assert response.status_code == 200
    assert f"tokens-{day:%Y%m%d}T1400Z-{day:%Y%m%d}T1430Z.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))[1:]
    assert len(rows) == 30 and [row[1:] for row in rows if row[0].endswith("14:07")] == [["1000", "500"]]


@pytest.mark.parametrize("hours", [0.5, 6], ids=["minute grain", "hour grain"])
def test_a_past_windows_tables_leave_out_what_came_after_it(spend_three_days_ago, hours):
    """The tables (top spenders, models, spend by model) read rows inside the window only: a later spend by
    someone else, with another model, is in none of them."""
    later = UserFactory(username="later-spender")
    ledger.spend_tokens(user=later, model="gpt-4o-mini", prompt_tokens=9000, completion_tokens=9000)
    run_rollup_jobs()
    start = spend_three_days_ago.replace(minute=0, second=0) - (HOUR if hours > 1 else 0 * HOUR)
    r = window(f"from={ranges.iso(start)}&to={ranges.iso(start + hours * HOUR)}", now=timezone.now())

    spenders = usage.top_spenders(r)
    _, models = usage.model_panels(r)
    by_model = breakdown.spend_panels(r)[0]

    assert len(spenders.rows) == 1 and "later-spender" not in str(spenders.rows)
    assert [str(row[0]) for row in models.rows] == ["gpt-4o"]
    assert [str(row[0]) for row in by_model.rows] == ["gpt-4o"]
