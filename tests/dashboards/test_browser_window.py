"""The operator's window in Chromium after a short real `loadgen` run, at 1440 x 900 and 390 x 844: every page
fits without sideways scrolling and draws its charts (Chart.js, served by the site itself), a hover on the
spend chart shows the newest, partial minute in credits and money, names lead to User 360 and routes to their
own traffic, the spend views filter by model and source, and the demo's alert rule opens an incident that the
Overview shows. Screenshots go to the test output folder."""

from __future__ import annotations

import re

import pytest

from chatmon.alerting.evaluation import evaluate_all
from chatmon.dashboards.pages import PAGES
from examples.chatapp.demo_alerts import ensure_alert_rules
from tests.dashboards.test_browser import sign_in
from tests.dashboards.test_browser_widths import OVERFLOW, WIDTHS

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def incident(loadgen_traffic):
    """The demo's rules evaluated right after the traffic, as beat's minute job would: the abusers' violations
    cross the violation spike's threshold."""
    ensure_alert_rules()
    assert evaluate_all()["opened"] >= 1


def hover_newest(page, panel: str) -> str:
    """Move the mouse to the right end of a timeline chart (the newest bucket) and read the tooltip."""
    canvas = page.locator(f"#panel-{panel} .dash-chart[data-drawn] canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    # Where Chart.js drew the newest bucket, in the canvas' CSS pixels; the mouse really moves there.
    x, y = canvas.evaluate(
        "c => { const chart = Chart.getChart(c), area = chart.chartArea;"
        " return [chart.scales.x.getPixelForValue(chart.data.labels.length - 1), (area.top + area.bottom) / 2]; }"
    )
    page.mouse.move(box["x"] + x, box["y"] + y)
    tooltip = page.locator(f"#panel-{panel} .dash-tooltip")
    tooltip.wait_for(state="visible")
    return tooltip.inner_text()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_operators_window(incident, page, live_server, operator, output_dir, width):
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type in ("error", "warning") else None)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    sign_in(page)
    for slug in PAGES:
        response = page.goto(f"/dashboard/{slug}/?range=1h")
        assert response.status == 200, slug
        assert page.evaluate(OVERFLOW) <= 0, f"{slug} scrolls sideways at {width}"
        charts = page.locator(".dash-chart")
        assert page.locator(".dash-chart[data-drawn]").count() == charts.count(), f"{slug}: every chart is drawn"
        page.screenshot(path=output_dir / f"window-{width}-{slug}.png", full_page=True)
    assert not errors, errors
    assert [url for url in requested if not url.startswith((live_server.url, "data:"))] == [], "nothing from outside"

    # The spend chart: the newest minute is drawn as partial, and a hover reads like the table, in money.
    page.goto("/dashboard/usage/?range=1h")
    assert page.get_attribute("#panel-credits .dash-chart", "data-partial") == "true"
    assert "(partial)" in page.inner_text("#panel-credits tbody tr >> nth=0"), "the table lists the newest first"
    tip = hover_newest(page, "credits")
    assert "(partial)" in tip
    assert re.search(r"credits: [\d,]+\.\d\d", tip) and re.search(r"USD: \$[\d,]*\.\d{2,4}", tip), tip
    page.locator("#panel-credits").screenshot(path=output_dir / f"window-{width}-tooltip.png")

    # Spend views: by model, endpoint and source in credits and money; a model filter narrows them.
    models = page.locator("#panel-spend-by-model tbody tr td:first-child")
    assert models.count() >= 1 and "$" in page.inner_text("#panel-spend-by-model tbody")
    model = models.first.inner_text()
    page.fill("#filter-model", model)
    page.click("#spend-filters input[type=submit]")
    page.wait_for_url(re.compile(r"model="))
    assert page.locator("#panel-spend-by-model tbody tr").count() == 1
    assert f"model '{model}'" in page.inner_text("#panel-spend-by-model .dash-note")
    page.screenshot(path=output_dir / f"window-{width}-usage-filtered.png", full_page=True)

    # A route leads to its own traffic.
    page.goto("/dashboard/performance/?range=1h")
    route = page.locator("#panel-routes tbody a").first
    name = route.inner_text()
    route.click()
    page.wait_for_url(re.compile(r"route="))
    assert name in page.inner_text("#route-filter")
    assert name in page.inner_text("#panel-traffic h2")

    # A spender leads to User 360.
    page.goto("/dashboard/usage/?range=24h")
    spender = page.locator("#panel-top-spenders tbody a").first
    name = spender.inner_text()
    spender.click()
    page.wait_for_url("**/dashboard/users/*/")
    assert page.inner_text("#username") == name
    assert page.evaluate(OVERFLOW) <= 0, f"User 360 scrolls sideways at {width}"
    page.screenshot(path=output_dir / f"window-{width}-user-360.png", full_page=True)

    # The demo rule's incident is on the Overview.
    page.goto("/dashboard/overview/?range=1h")
    alerts = page.inner_text("#panel-alerts tbody")
    assert "Demo: violation spike" in alerts and "firing since" in alerts


def test_the_table_carries_the_page_with_javascript_off(loadgen_traffic, browser, live_server, operator):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page)
        page.goto("/dashboard/usage/?range=1h")
        assert page.locator(".dash-chart").first.is_hidden(), "no empty chart box without JavaScript"
        assert "(partial)" in page.inner_text("#panel-credits tbody tr >> nth=0")
        assert "$" in page.inner_text("#panel-credits tbody")
    finally:
        context.close()
