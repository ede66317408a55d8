"""A staff user opens every dashboard in Chromium after `loadgen` traffic over real HTTP, sees charts and
tables, switches ranges, downloads a CSV and uses User 360; screenshots are saved in the output directory."""

from __future__ import annotations

import pytest

from chatmon.dashboards.pages import PAGES

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def sign_in(page) -> None:
    page.goto("/admin/login/")
    page.fill("#id_username", "operator")
    page.fill("#id_password", "operator-pass-1")
    page.click("input[type=submit]")
    page.wait_for_selector("#chatmon-dashboards")


def test_it_shows_every_dashboard_to_an_operator(loadgen_traffic, page, operator, output_dir):
    sign_in(page)
    page.click("#chatmon-dashboards a:text('Overview')")
    for slug in PAGES:
        page.goto(f"/dashboard/{slug}/?range=24h")
        assert page.locator(".dash-chart[data-drawn] canvas").count() >= 1, slug
        rows = page.locator(".dash-table tbody tr:not(:has(.dash-empty))")
        assert rows.count() >= 1, slug
        page.screenshot(path=output_dir / f"dashboard-{slug}.png", full_page=True)

    page.goto("/dashboard/abuse/?range=24h")
    # loadgen's abusers brute-force logins from 200.160.0.2xx and 196.216.2.2xx (host numbers from 200 up, see
    # examples/chatapp/loadgen/runner.py): the login limiter records "logins" violations.
    assert page.locator("#panel-violations .dash-chart[data-drawn] canvas").count() == 1
    assert "logins" in page.text_content("#panel-violations thead")
    assert "200.160.0.2" in page.text_content("#panel-offending-ips tbody")
    assert "200.160.0.2" in page.text_content("#panel-active-bans tbody")  # the login score crossed the interval

    page.click("a[data-range='1h']")
    page.wait_for_url("**/dashboard/abuse/?range=1h")
    assert page.locator(".dash-ranges a.current").inner_text() == "1 hour"
    assert page.locator("#panel-violations .dash-chart[data-drawn] canvas").count() == 1  # the attack was minutes ago

    page.goto("/dashboard/usage/?range=7d")
    with page.expect_download() as download:
        page.click("#panel-top-spenders a.dash-csv")
    saved = output_dir / "dashboard-top-spenders.csv"
    download.value.save_as(saved)
    assert saved.read_text().splitlines()[0] == "user,credits,USD,tokens,requests"


def test_it_grants_credits_and_bans_from_user_360(page, operator, traffic, output_dir):
    sign_in(page)
    page.goto("/dashboard/users/?q=chatter1")
    page.click("#user-results a:text('chatter1')")
    before = float(page.inner_text("#balance").replace(",", ""))
    page.fill("#grant-form input[name=amount]", "1234")
    page.fill("#grant-form input[name=reason]", "goodwill")
    page.click("#grant-form input[type=submit]")
    assert float(page.inner_text("#balance").replace(",", "")) == pytest.approx(before + 1234)

    page.fill("#ban-form input[name=reason]", "spam")
    page.click("#ban-form input[type=submit]")
    assert "banned until" in page.inner_text("#ban-state")
    assert page.locator("#panel-balance .dash-chart[data-drawn] canvas").count() == 1
    page.screenshot(path=output_dir / "dashboard-user-360.png", full_page=True)
    page.click("#lift-form input[type=submit]")
    assert page.inner_text("#ban-state") == "not banned"
