"""In Chromium, at a desktop and a phone width: the Usage page lists the unpriced model with a link to its
prefilled price form, the price-file import previews old and new prices in money and adds them, and the Abuse
page lists the heavy spender; a period charged at the default rate is repriced from the admin; no page scrolls
sideways."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from ledger import overrides, services
from ledger.models import PriceOverride, Transaction
from tests.dashboards.test_browser import sign_in
from tests.dashboards.test_browser_widths import OVERFLOW
from tests.factories import UserFactory
from tests.ledger.test_price_file import LITELLM

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
WIDTHS = {"desktop": (1440, 900), "phone": (390, 844)}


@pytest.fixture
def unpriced_spends(operator):
    overrides.forget_overrides()
    chatter = UserFactory(username="chatter")
    for _ in range(3):
        services.spend_tokens(user=chatter, model="acme-llm-1", prompt_tokens=2000, completion_tokens=500)
    services.spend_tokens(user=chatter, model="gpt-4o", prompt_tokens=2000)
    yield
    overrides.forget_overrides()


@pytest.mark.parametrize("width", WIDTHS)
def test_coverage_panel_and_price_import(page, unpriced_spends, output_dir, tmp_path, width):
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    sign_in(page)

    page.goto("/dashboard/usage/?range=24h")
    panel = page.locator("#panel-unpriced-models")
    assert "acme-llm-1" in panel.inner_text() and "gpt-4o" not in panel.locator("tbody").inner_text()
    assert "45,000.00" in panel.inner_text()  # 3 x (2000 + 500) tokens x 6 credits
    assert page.evaluate(OVERFLOW) <= 0
    panel.scroll_into_view_if_needed()
    page.screenshot(path=output_dir / f"{width}-usage-page.png", full_page=True)
    panel.screenshot(path=output_dir / f"{width}-usage-unpriced-models.png")
    panel.locator("a:text('add a price')").click()
    page.wait_for_url("**/admin/ledger/priceoverride/add/*")
    assert page.input_value("#id_pattern") == "acme-llm-1"

    page.goto("/admin/ledger/priceoverride/")
    page.click("a:text('Import a price file')")
    path = tmp_path / "model_prices_and_context_window.json"
    path.write_text(json.dumps(LITELLM))
    page.set_input_files("#id_price_file", str(path))
    page.click("input[name=preview]")
    page.wait_for_selector("#price-changes")
    changes = page.inner_text("#price-changes")
    assert "acme-llm-1" in changes and "$6.00" in changes and "$0.5000" in changes
    assert page.inner_text("#skipped-count") == "5" and "mode 'embedding'" in page.inner_text("#skipped")
    assert page.evaluate(OVERFLOW) <= 0
    page.screenshot(path=output_dir / f"{width}-price-import-preview.png", full_page=True)

    page.click("#apply-form input[name=apply]")
    page.wait_for_selector(".messagelist")
    assert "Added 2 prices" in page.inner_text(".messagelist")
    assert sorted(PriceOverride.objects.values_list("pattern", flat=True)) == ["acme-llm-1", "claude-sonnet-4-5"]

    page.goto("/dashboard/abuse/?range=1h")
    assert "chatter" in page.inner_text("#panel-spend-anomalies")
    assert page.evaluate(OVERFLOW) <= 0
    page.locator("#panel-spend-anomalies").screenshot(path=output_dir / f"{width}-abuse-spend-anomalies.png")


@pytest.mark.parametrize("width", WIDTHS)
def test_an_operator_reprices_a_period_from_the_admin(page, operator, balances_on, output_dir, width):
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    chatter = UserFactory(username="chatter")
    services.grant_credits(user=chatter, amount=100_000, reason="test funds")
    start = timezone.now() - timedelta(hours=2)
    with time_machine.travel(start + timedelta(minutes=1)):
        services.spend_tokens(user=chatter, model="acme-llm-1", prompt_tokens=1000, completion_tokens=100)
    sign_in(page)

    page.goto("/admin/ledger/repricing/")
    page.click("a:text('Reprice a period')")
    page.fill("#id_model", "acme-llm-1")
    page.fill("#id_start", start.strftime("%Y-%m-%d %H:%M:%S"))
    page.fill("#id_end", (start + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S"))
    page.fill("#id_prompt", "0.5")
    page.fill("#id_completion", "1.5")
    page.fill("#id_reason", "acme contract")
    page.click("input[name=preview]")

    # 1000 x 6 + 100 x 6 = 6,600 charged at the default rate; 1000 x 0.5 + 100 x 1.5 = 650 at the corrected prices
    row = page.inner_text("#differences tbody")
    assert "chatter" in row and "6,600.00 credits ($0.0066)" in row and "5,950.00 credits ($0.0060)" in row
    assert "1 correcting transaction would be posted." in page.inner_text(".summary")
    assert page.evaluate(OVERFLOW) <= 0
    page.screenshot(path=output_dir / f"{width}-reprice-preview.png", full_page=True)
    page.click("input[value='Post 1 correction']")

    page.wait_for_selector(".messagelist")
    assert "posted 1 correction, 5,950.00 credits ($0.0060) given back." in page.inner_text(".messagelist")
    assert Transaction.objects.get(context="repricing", user=chatter).token_value == 5950.0
    assert page.evaluate(OVERFLOW) <= 0
    page.screenshot(path=output_dir / f"{width}-reprice-posted.png", full_page=True)
