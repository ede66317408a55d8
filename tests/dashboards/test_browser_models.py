"""An operator opens the Models page in Chromium at 1440 and 390 px after real chat traffic: the table with a
sparkline per model, a model's drill-down from its link, and a comparison of two; nothing scrolls sideways and
the console stays clean. Screenshots go to the test output folder."""

from __future__ import annotations

import pytest

from chatmon.monitoring.generations import model_label
from tests.dashboards.test_browser import sign_in
from tests.dashboards.test_browser_widths import OVERFLOW, WIDTHS
from tests.dashboards.test_models_page import model_traffic  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.mark.parametrize("width", WIDTHS)
def test_the_models_page_drills_down_and_compares(model_traffic, page, operator, output_dir, width):  # noqa: F811
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(page)

    page.goto("/dashboard/models/?range=1h")
    assert page.locator("#panel-models tbody tr").count() == 2
    assert page.locator("#panel-models svg.dash-spark polyline").count() == 2
    assert page.evaluate(OVERFLOW) <= 0, "the Models page scrolls sideways"
    page.screenshot(path=output_dir / f"{width}-models.png", full_page=True)

    sonnet = model_label("claude-sonnet-4")
    page.click(f"#panel-models a:text-is('{sonnet}')")
    page.wait_for_url(f"**/dashboard/models/?range=1h&model={sonnet}")
    assert "provider_error" in page.inner_text("#panel-model-outcomes")
    assert "nice & <b>clear</b>" in page.inner_text("#panel-model-comments")  # shown as text, not markup
    assert page.evaluate(OVERFLOW) <= 0
    page.screenshot(path=output_dir / f"{width}-models-drilldown.png", full_page=True)

    page.goto(f"/dashboard/models/?range=1h&compare={model_label('gpt-4o-mini')},{sonnet}")
    assert "TTFT p95 ms" in page.inner_text("#panel-compare")
    assert page.evaluate(OVERFLOW) <= 0
    page.screenshot(path=output_dir / f"{width}-models-compare.png", full_page=True)
    assert not errors, errors
