"""Zooming on time in Chromium after a short real `loadgen` run: a drag across the 24-hour traffic chart draws
the selection band and reloads the page for those hours in minute buckets, with the window named and a way
back; a click still shows the tooltip; on a phone a sideways finger drag zooms too. Screenshots at 1440 and
390 px go to the test output folder."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.dashboards.test_browser import sign_in
from tests.dashboards.test_browser_widths import OVERFLOW, WIDTHS

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
CHART = "#panel-traffic .dash-chart[data-drawn] canvas"
ZOOMED = re.compile(r"from=.*&to=")


def bucket_x(page, index_from_end: int) -> tuple[float, float]:
    """Where Chart.js drew a bucket of the traffic chart (counted from the newest), in page pixels."""
    canvas = page.locator(CHART)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y = canvas.evaluate(
        "(c, back) => { const chart = Chart.getChart(c), area = chart.chartArea, last = chart.data.labels.length - 1;"
        " return [chart.scales.x.getPixelForValue(last - back), (area.top + area.bottom) / 2]; }",
        index_from_end,
    )
    return box["x"] + x, box["y"] + y


def buckets_drawn(page) -> int:
    return page.locator(CHART).evaluate("c => Chart.getChart(c).data.labels.length")


def drag(page, start: tuple[float, float], end: tuple[float, float], screenshot=None) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=8)
    if screenshot:
        page.locator("#panel-traffic").screenshot(path=screenshot)
    page.mouse.up()


def test_a_drag_zooms_in_and_back_leads_out(loadgen_traffic, page, operator, output_dir):
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS["desktop"], strict=True)))
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type in ("error", "warning") else None)
    sign_in(page)
    page.goto("/dashboard/overview/?range=24h&model=gpt-4o")
    assert buckets_drawn(page) in (24, 25)

    # A click on a bucket is not a zoom: the tooltip shows and the page stays.
    page.mouse.click(*bucket_x(page, 0))
    page.locator("#panel-traffic .dash-tooltip").wait_for(state="visible")
    assert "from=" not in page.url

    # A drag over the last two hours lands on those hours, per minute, other parameters kept.
    drag(page, bucket_x(page, 1), bucket_x(page, 0), screenshot=output_dir / "zoom-band-1440.png")
    page.wait_for_url(ZOOMED)
    query = parse_qs(urlsplit(page.url).query)
    assert set(query) == {"from", "to", "model"} and query["model"] == ["gpt-4o"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:00:00Z", query["from"][0]), "from the start of the older hour"
    assert "1-minute buckets" in page.inner_text("#zoom")
    # Both dates when the two hours cross midnight.
    day, clock = r"\d{4}-\d\d-\d\d", r"\d\d:\d\d"
    window = rf"{day} \d\d:00(\u2013| \u2013 {day} ){clock} UTC"
    assert re.fullmatch(window, page.inner_text("#zoom-window"))
    assert 61 <= buckets_drawn(page) <= 121, "finer buckets: minutes"
    assert page.locator(".dash-ranges a.current").count() == 0, "no preset is current"
    assert not errors, errors

    # Zoomed again, on loadgen's last minutes: the window shrinks to them.
    drag(page, bucket_x(page, 4), bucket_x(page, 0), screenshot=output_dir / "zoom-band-minutes-1440.png")
    page.wait_for_url(lambda url: parse_qs(urlsplit(url).query)["from"] != query["from"])
    assert buckets_drawn(page) in (5, 6)
    page.screenshot(path=output_dir / "zoom-1440.png", full_page=True)

    page.click("#zoom-back")
    page.wait_for_url("**/dashboard/overview/?range=24h&model=gpt-4o")
    assert page.locator(".dash-ranges a.current").inner_text() == "24 hours"
    assert buckets_drawn(page) in (24, 25)


def test_a_finger_drag_zooms_on_a_phone(loadgen_traffic, browser, live_server, operator, output_dir):
    context = browser.new_context(base_url=live_server.url, viewport=dict(zip(("width", "height"), WIDTHS["phone"],
                                  strict=True)), has_touch=True, is_mobile=True)  # fmt: skip
    page = context.new_page()
    try:
        sign_in(page)
        page.goto("/dashboard/overview/?range=24h")
        (x1, y), (x2, _) = bucket_x(page, 1), bucket_x(page, 0)
        touch = page.context.new_cdp_session(page)
        for kind, x in [("touchStart", x1), *(("touchMove", x1 + (x2 - x1) * i / 6) for i in range(1, 7))]:
            touch.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": x, "y": y}]})
        touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        page.wait_for_url(ZOOMED)
        assert "1-minute buckets" in page.inner_text("#zoom")
        assert page.evaluate(OVERFLOW) <= 0, "the zoomed page fits a phone"
        page.screenshot(path=output_dir / "zoom-390.png", full_page=True)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=output_dir / "zoom-390-top.png")
    finally:
        context.close()
