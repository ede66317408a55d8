"""In Chromium at 1440 and 390 px: Engagement shows sign-ins by country, the weekly cohort triangle, a funnel, an
experiment's result (difference, confidence interval, the test named) and a KPI with its trend; Abuse ranks
violations and bans by country; each panel's CSV downloads; the admin filters users and bans by country and shows
the experiment's and the funnel's results, the KPI's days and the rows the jobs write. The figures come from
sign-ins through the trusted proxy header, the ledger's spends, the experiment service, the cohort job and the
monitoring flush and compaction. Screenshots go to the test output folder."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter

import pytest
from django.test import Client

from chatmon.analytics import cohorts, experiments
from chatmon.analytics.events import record_user_event
from chatmon.analytics.models import Experiment, Funnel, Kpi
from ledger import services as ledger
from tests.dashboards.conftest import run_rollup_jobs
from tests.dashboards.test_browser import sign_in
from tests.dashboards.test_browser_widths import OVERFLOW, WIDTHS
from tests.factories import UserFactory
from violations import services as violations
from violations import store

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
# Countries of these addresses with the shipped data (tests/analytics/test_geo.py).
ADDRESSES, COUNTRIES = ["81.2.69.142", "8.8.8.8", "193.0.6.139"], ["GB", "US", "NL"]


@pytest.fixture
def analytics_data(settings, operator, balances_on, bans_on, clean_monitoring):
    """Members who sign in from three countries, spend, chat and take part in an experiment; violations and a
    ban. Returns the members by variant, the chat turns and the sign-ins per country."""
    settings.VIOLATIONS_TRUSTED_PROXIES = 1
    settings.VIOLATIONS_KEY_PREFIX = "test-browser-analytics"
    connection = store.client()
    stale = list(connection.scan_iter(match=store.key("*"), count=1000))
    if stale:
        connection.delete(*stale)
    test = Experiment.objects.create(slug="prompt", name="Shorter prompt", variants=[
        {"name": "control", "weight": 1}, {"name": "short", "weight": 1}])  # fmt: skip
    Funnel.objects.create(name="Activation", steps=["registered", "signed_in", "first_spend"])
    Kpi.objects.create(slug="turns", name="Chat turns", numerator="chat.turn")
    client, members, turns, countries = Client(), {"control": [], "short": []}, 0, Counter()
    n = 0
    while min(len(users) for users in members.values()) < 3:  # assignment is a hash: add users until both fill
        user = UserFactory(username=f"member{n}", password="member-pass-1")
        address = ADDRESSES[n % len(ADDRESSES)]
        response = client.post("/api/auth/login", {"username": user.username, "password": "member-pass-1"},
                               content_type="application/json", headers={"X-Forwarded-For": address})  # fmt: skip
        assert response.status_code == 200
        countries[COUNTRIES[n % len(ADDRESSES)]] += 1
        client.logout()
        variant = experiments.variant_for(test, user)
        members[variant].append(user)
        for _ in range((3 if variant == "short" else 1) + n % 2):  # short: 2 more messages, some spread
            ledger.spend_tokens(user=user, model="gpt-4o", prompt_tokens=10, completion_tokens=5)
            record_user_event(user, "chat.turn")
            turns += 1
        n += 1
    for ip in ("81.2.69.150", "81.2.69.151", "8.8.8.9"):
        violations.log_violation(type="general", ip=ip, score=1)
    violations.ban(ip="193.0.6.140", duration_ms=60_000)
    run_rollup_jobs()  # the chat.turn events reach the daily counts the KPI reads
    cohorts.compute()
    return members, turns, countries


def download(page, panel: str, output_dir) -> list[list[str]]:
    with page.expect_download() as download:
        page.click(f"#panel-{panel} a.dash-csv")
    path = output_dir / f"analytics-{panel}.csv"
    download.value.save_as(path)
    return list(csv.reader(io.StringIO(path.read_text())))


@pytest.mark.parametrize("width", WIDTHS)
def test_the_analytics_panels_read_and_download(analytics_data, page, operator, output_dir, width):
    members, turns, countries = analytics_data
    users = sum(len(variant) for variant in members.values())
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(page)

    page.goto("/dashboard/engagement/?range=24h")
    assert page.evaluate(OVERFLOW) <= 0 and not errors
    page.screenshot(path=output_dir / f"{width}-analytics-engagement.png", full_page=True)
    assert "GB" in page.inner_text("#panel-countries tbody") and "NL" in page.inner_text("#panel-countries tbody")
    # This week's cohort: the members and the operator.
    assert page.locator("#panel-cohorts tbody tr").first.locator("td").nth(1).inner_text() == str(users + 1)
    assert "first_spend" in page.inner_text("#panel-funnels tbody")
    result = page.inner_text("#panel-experiments tbody")
    assert "short is higher than control by" in result and "95 % CI" in result and "Welch's t-test, p = " in result
    assert page.locator("#panel-kpis tbody svg.dash-spark").count() == 1
    page.goto("/dashboard/abuse/?range=24h")
    assert page.evaluate(OVERFLOW) <= 0 and not errors
    assert page.inner_text("#panel-violations-by-country tbody").split()[:2] == ["GB", "2"]
    page.screenshot(path=output_dir / f"{width}-analytics-abuse.png", full_page=True)
    if width != "desktop":
        return

    assert download(page, "bans-by-country", output_dir) == [["country", "bans"], ["NL", "1"]]
    page.goto("/dashboard/engagement/?range=24h")
    # The operator signed in through the browser, from this machine: "local".
    expected = sorted([*countries.items(), ("local", 1)], key=lambda pair: (-pair[1], pair[0]))
    assert download(page, "countries", output_dir)[1:] == [[country, str(n), str(n)] for country, n in expected]
    assert download(page, "cohorts", output_dir)[1][1] == str(users + 1)
    funnel = download(page, "funnels", output_dir)
    assert [row[:3] for row in funnel[1:]] == [
        ["Activation", "registered", str(users + 1)], ["Activation", "signed_in", str(users + 1)],
        ["Activation", "first_spend", str(users)],
    ]  # fmt: skip
    experiment = download(page, "experiments", output_dir)
    assert [row[1] for row in experiment[1:]] == ["control", "short"] and "Welch's t-test" in experiment[2][4]
    kpi = download(page, "kpis", output_dir)
    assert kpi[0][1:] == [f"on {dt.datetime.now(dt.UTC).date()}", "mean over 2 days", "trend, 30 days"]
    trend = kpi[1][3].split()  # the sparkline's numbers, oldest day first
    assert kpi[1][:2] == ["Chat turns", str(turns)] and trend == ["0"] * 29 + [str(turns)]

    page.goto("/admin/auth/user/?signed_in_from=NL")
    listed = page.inner_text("#result_list")
    assert "member2" in listed and "member0" not in listed  # member0 signed in from GB, member2 from NL
    page.goto("/admin/violations/ban/?ip_country=NL")
    assert "193.0.6.140" in page.inner_text("#result_list")
    page.goto(f"/admin/chatmon_analytics/experiment/{Experiment.objects.get().pk}/change/")
    assert "Welch's t-test" in page.inner_text(".field-result")
    page.screenshot(path=output_dir / "desktop-analytics-experiment-admin.png", full_page=True)
    page.goto(f"/admin/chatmon_analytics/funnel/{Funnel.objects.get().pk}/change/")
    assert f"first_spend: {users} users" in page.inner_text(".field-result")
    page.goto(f"/admin/chatmon_analytics/kpi/{Kpi.objects.get().pk}/change/")
    assert f"{dt.datetime.now(dt.UTC).date()}: {turns}" in page.inner_text(".field-last_30_days")
    for rows in ("cohortcell", "exposure", "signinplace", "usereventday"):  # the read-only lists jobs write
        response = page.goto(f"/admin/chatmon_analytics/{rows}/")
        assert response.status == 200 and page.locator("#result_list tbody tr").count() >= 1, rows
    assert not errors
