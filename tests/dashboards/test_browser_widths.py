"""At 1440 x 900 and 390 x 844, after `loadgen` traffic over real HTTP: every dashboard page, User 360 and the
admin lists an operator reads open without console errors and without sideways scrolling; amounts read in
credits and money, users by name, and a user link lands on that user's User 360. Screenshots go to the test
output folder."""

from __future__ import annotations

import pytest

from chatmon.dashboards.pages import PAGES
from tests.dashboards.test_browser import sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
WIDTHS = {"desktop": (1440, 900), "phone": (390, 844)}
ADMIN_LISTS = ["ledger/transaction", "ledger/balance", "violations/ban", "violations/violation",
               "auditlog/auditevent", "django_celery_beat/periodictask"]  # fmt: skip
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def open_clean(page, url: str, errors: list) -> None:
    errors.clear()
    response = page.goto(url)
    assert response.status == 200, url
    assert page.evaluate(OVERFLOW) <= 0, f"{url} scrolls sideways"
    assert not errors, f"{url}: {errors}"


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_fits_and_reads_in_money_and_names(loadgen_traffic, page, operator, output_dir, width):
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(page)
    for slug in PAGES:
        open_clean(page, f"/dashboard/{slug}/?range=1h", errors)
        page.screenshot(path=output_dir / f"{width}-dashboard-{slug}.png", full_page=True)

    page.goto("/dashboard/usage/?range=24h")
    assert "USD" in page.inner_text("#panel-top-spenders thead")
    spender = page.locator("#panel-top-spenders tbody a").first
    name = spender.inner_text()
    spender.click()
    page.wait_for_url("**/dashboard/users/*/")
    assert page.inner_text("#username") == name
    open_clean(page, page.url, errors)
    page.screenshot(path=output_dir / f"{width}-user-360.png", full_page=True)

    for model in ADMIN_LISTS:
        open_clean(page, f"/admin/{model}/", errors)
        page.screenshot(path=output_dir / f"{width}-admin-{model.replace('/', '-')}.png")  # the first screenful
        if width == "desktop":
            # The list itself fits: value, balance after and written off without scrolling the table.
            results = (
                "() => { const r = document.querySelector('.results'); return r ? r.scrollWidth - r.clientWidth : 0 }"
            )
            assert page.evaluate(results) <= 0, f"{model}: the list scrolls sideways"

    page.goto("/dashboard/usage/?range=2y")
    assert "range must be one of" in page.inner_text("#error-message")
    page.screenshot(path=output_dir / f"{width}-error-400.png", full_page=True)
