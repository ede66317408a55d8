"""In Chromium, a user signs in on "My usage", chats, reads the cost under the reply and the conversation
total (as the ledger charged them), and sets their own daily limit; at 1440 and 390 px, never scrolling
sideways."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from ledger import money, refills, services
from ledger.models import Balance, Transaction
from tests.dashboards.test_browser_widths import OVERFLOW
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SHOTS = Path("/tmp/shots/selfservice")


def spent(user, **filters) -> float:
    return -sum(Transaction.objects.spends().filter(user=user, **filters).values_list("token_value", flat=True))


def shoot(page, output_dir: Path, name: str) -> None:
    page.screenshot(path=output_dir / f"{name}.png", full_page=True)
    if SHOTS.parent.exists():
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


@pytest.mark.parametrize("width", [1440, 390])
def test_the_user_reads_their_costs_and_sets_a_limit(page, balances_on, output_dir, width):
    user = UserFactory(username=f"reader{width}", password="reader-pass-1")
    services.grant_credits(user=user, amount=2_000_000, reason="test funds")
    balance = Balance.objects.get(user=user)
    refills.change_refill_settings(
        balance=balance,
        changes={
            "auto_refill_enabled": True,
            "refill_amount": 10_000,
            "refill_schedule": "daily",
            "refill_time": time(6, 0),
        },
    )
    page.set_viewport_size({"width": width, "height": 900})

    assert page.goto("/usage/").status == 401
    page.get_by_label("User name or email").fill(user.username)
    page.get_by_label("Password").fill("reader-pass-1")
    page.click("#signin button")
    page.wait_for_selector("#spend-by-day")

    for text in ("/search tokens and their prices", "and what does a reply cost?"):
        conversation = (
            Transaction.objects.filter(user=user)
            .exclude(conversation_id=None)
            .values_list("conversation_id", flat=True)
            .first()
        )
        body = {
            "model": "gpt-4o",
            "text": text,
            "max_tokens": 40,
            **({"conversation_id": conversation} if conversation else {}),
        }
        assert page.request.post("/api/chat/", data=body).ok
    conversation = Transaction.objects.filter(user=user).exclude(conversation_id=None).first().conversation_id

    page.goto(f"/conversations/{conversation}/")
    costs = page.locator("[data-cost]")
    assert costs.count() == 2
    for index in range(2):
        message_id = costs.nth(index).get_attribute("data-cost")
        charged = spent(user, message_id=message_id)
        shown = costs.nth(index).inner_text()
        assert f"{money.format_credits(charged)} credits" in shown and money.format_money(charged) in shown
    total = spent(user, conversation_id=conversation)
    assert page.inner_text("[data-total-credits]") == f"{money.format_credits(total)} credits"
    assert page.evaluate(OVERFLOW) <= 0
    shoot(page, output_dir, f"conversation-{width}")

    page.goto("/usage/")
    balance = Balance.objects.get(user=user).token_credits
    assert money.format_credits(balance) in page.inner_text("[data-figure=balance]")
    assert "daily at 06:00 (UTC)" in page.inner_text("[data-figure=next-refill]")
    assert money.format_credits(spent(user, model="gpt-4o")) in page.inner_text("[data-model=gpt-4o]")
    page.select_option("#id_period", "day")
    page.fill("#id_credits", "50000")
    page.click("#cap-form button")
    page.wait_for_load_state()
    assert "50,000.00 per day" in page.inner_text("[data-figure=cap]")
    assert page.evaluate(OVERFLOW) <= 0
    shoot(page, output_dir, f"usage-{width}")
