"""On a phone-sized screen an operator grants credits from User 360: labelled inputs, a very large grant
stopped until they tick the confirmation (the amount read back in money), the page never scrolling sideways."""

from __future__ import annotations

import pytest

from tests.dashboards.test_browser import sign_in
from tests.dashboards.test_browser_widths import OVERFLOW

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_a_very_large_grant_is_confirmed_first(page, operator, traffic, output_dir):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page)
    page.goto("/dashboard/users/?q=chatter1")
    page.click("#user-results a:text('chatter1')")
    before = float(page.get_attribute("#balance", "data-credits"))

    page.get_by_label("Credits").fill("1000000000000")
    page.get_by_label("Reason", exact=True).first.fill("typo")
    page.click("#grant-form input[type=submit]")
    assert "($1,000,000.00) is a large amount" in page.inner_text("#grant-errors")
    assert float(page.get_attribute("#balance", "data-credits")) == pytest.approx(before), "nothing granted yet"
    assert page.evaluate(OVERFLOW) <= 0
    page.screenshot(path=output_dir / "phone-user-360-confirm-grant.png", full_page=True)

    page.get_by_label("I confirm this large amount").check()
    page.click("#grant-form input[type=submit]")
    page.wait_for_selector(".messagelist")
    assert float(page.get_attribute("#balance", "data-credits")) == pytest.approx(before + 1e12)
    assert "1,000,000,000,000.00 credits ($1,000,000.00)" in page.inner_text(".messagelist")
    page.screenshot(path=output_dir / "phone-user-360-granted.png", full_page=True)
