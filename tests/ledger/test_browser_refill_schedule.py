"""In Chromium, at a desktop and a phone width: an operator gives one balance a weekly refill schedule on its
admin page, and the page then states the rule in words and the next refill; a weekly schedule without a weekday
is a form error; no page scrolls sideways."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ledger.models import Balance
from tests.dashboards.test_browser import sign_in
from tests.dashboards.test_browser_widths import OVERFLOW

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
WIDTHS = {"desktop": (1440, 900), "phone": (390, 844)}


@pytest.mark.parametrize("width", WIDTHS)
def test_an_operator_sets_a_weekly_refill_and_reads_the_next_one(page, operator, funded, settings, output_dir, width):
    settings.LEDGER_REFILL_TIME_ZONE = "Europe/Berlin"
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    balance = Balance.objects.get(user=funded)
    # Wednesday 2026-12-02, 10:00 UTC: the next Monday 09:00 in Berlin (UTC+1 in winter) is 2026-12-07 08:00 UTC.
    Balance.objects.filter(pk=balance.pk).update(last_refill=datetime(2026, 12, 2, 10, 0, tzinfo=UTC))
    sign_in(page)
    page.goto(f"/admin/ledger/balance/{balance.pk}/change/")

    page.check("#id_auto_refill_enabled")
    page.fill("#id_refill_amount", "5000")
    page.select_option("#id_refill_schedule", "weekly")
    page.fill("#id_refill_time", "09:00")
    page.click("input[name=_continue]")
    assert "A weekly schedule needs a weekday." in page.inner_text("#content-main")
    assert page.evaluate(OVERFLOW) <= 0
    page.screenshot(path=output_dir / f"{width}-refill-schedule-error.png", full_page=True)

    page.select_option("#id_refill_weekday", "0")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist")

    balance.refresh_from_db()
    assert balance.next_refill_at == datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    shown = page.inner_text("#content-main")
    assert "weekly on Monday at 09:00 (Europe/Berlin)" in shown
    assert page.evaluate(OVERFLOW) <= 0
    page.screenshot(path=output_dir / f"{width}-refill-schedule-saved.png", full_page=True)
