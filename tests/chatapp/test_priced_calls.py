"""End to end: the fake provider "generates an image" (`/image ...`) and "searches the web" (`/search ...`);
the chat app charges them through ledger.services.spend_calls beside the reply's tokens, and they appear as
priced rows in the ledger and in the month's usage."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from chatmon.dashboards.models import ModelUsageHour, UserUsageDay
from chatmon.dashboards.rollups import roll_up
from chatmon.dashboards.selectors.usage import user_spend
from examples.chatapp.provider import tool_calls
from ledger import selectors, services
from ledger.models import Balance, Hold, Transaction
from ledger.verify import verify_balance

pytestmark = pytest.mark.usefixtures("no_cached_prices")
BALANCES_ON = {"LEDGER_BALANCE_ENABLED": True, "LEDGER_START_BALANCE": 20000, "LEDGER_AUTO_REFILL_ENABLED": False}


def test_the_provider_makes_calls_only_for_its_commands():
    assert tool_calls("what is a token") == []
    assert tool_calls("/image a lighthouse at dusk") == [
        {"kind": "image", "name": "dall-e-3", "size": "1024x1024", "quality": "standard", "quantity": 1}
    ]
    (search,) = tool_calls("/search chatmon ledger")
    assert search["kind"] == "web_search" and 1 <= search["quantity"] <= 3


@override_settings(**BALANCES_ON)
def test_an_image_is_charged_as_a_priced_row_beside_the_reply(member_api, member):
    services.grant_credits(user=member, amount=1_000_000)
    final = member_api.chat(model="gpt-4o", text="/image a lighthouse at dusk", max_tokens=20)[-1].data
    message_id = final["responseMessage"]["id"]

    rows = {row.token_type: row for row in Transaction.objects.filter(user=member, message_id=message_id)}
    assert set(rows) == {"prompt", "completion", "call"}
    image = rows["call"]
    assert (image.item, image.model, image.rate, image.raw_amount, image.token_value) == (
        "image:dall-e-3:1024x1024:standard", "dall-e-3", 40_000, -1, -40_000
    )  # fmt: skip
    spent = -sum(row.token_value for row in rows.values())
    assert selectors.balance_of(member) == pytest.approx(1_000_000 - spent)  # a grant opens the balance at 0
    # The check's hold was settled by the token spend, once; nothing is left held.
    assert not Hold.objects.filter(user=member, status=Hold.Status.ACTIVE).exists()
    assert Balance.objects.get(user=member).held_credits == 0
    assert verify_balance(Balance.objects.get(user=member)) == []


@override_settings(**BALANCES_ON)
def test_an_image_the_balance_cannot_cover_is_refused_before_it_is_made(member_api, member):
    """The start balance (20,000 credits) covers the prompt, not the 40,000-credit image: the balance check
    holds the calls a message asks for, so the chat is refused rather than the image written off."""
    events = member_api.chat(model="gpt-4o", text="/image a lighthouse at dusk", max_tokens=20)
    assert [event.event for event in events] == ["error"]
    assert json.loads(events[0].data["text"])["tokenCost"] > 40_000
    assert not Transaction.objects.filter(user=member).exclude(token_type="credits").exists()
    # A plain chat still fits.
    assert member_api.chat(model="gpt-4o", text="a lighthouse at dusk", max_tokens=20)[-1].event == "message"


@override_settings(**BALANCES_ON)
def test_web_searches_appear_in_the_months_usage(member_api, member):
    services.grant_credits(user=member, amount=1_000_000)
    text = "/search the price of a web search"
    searches = tool_calls(text)[0]["quantity"]
    member_api.chat(model="gpt-4o-mini", text=text, max_tokens=20)
    member_api.chat(model="gpt-4o-mini", text="/image a cat", max_tokens=20)

    search = Transaction.objects.get(user=member, item="web_search:openai")
    assert (search.raw_amount, search.rate, search.token_value) == (-searches, 10_000, -10_000 * searches)
    tokens = -sum(
        row.token_value for row in Transaction.objects.filter(user=member, token_type__in=["prompt", "completion"])
    )

    roll_up()
    by_model = {row.model: row for row in ModelUsageHour.objects.all()}
    assert by_model["dall-e-3"].credits == 40_000 and by_model["openai"].credits == 10_000 * searches
    assert by_model["gpt-4o-mini"].requests == 2
    day = UserUsageDay.objects.get(user_id=member.pk)
    assert day.credits == pytest.approx(tokens + 40_000 + 10_000 * searches)
    assert day.requests == 2
    assert user_spend(member.pk)["total"] == pytest.approx(day.credits)


@override_settings(**BALANCES_ON)
def test_the_image_row_shows_in_user_360_and_the_ledger_export(member_api, member, operator, client):
    services.grant_credits(user=member, amount=1_000_000)
    member_api.chat(model="gpt-4o", text="/image a red bicycle", max_tokens=20)
    client.force_login(operator)

    panel = client.get(f"/dashboard/users/{member.pk}/transactions.csv").content.decode()
    (line,) = [line for line in panel.splitlines() if ",call," in line]
    assert "dall-e-3" in line and "-40000" in line
    export = b"".join(client.get("/admin/ledger/transaction/export/").streaming_content).decode()
    header, *rows = [line.split(",") for line in export.splitlines()]
    (image,) = [row for row in rows if row[header.index("token_type")] == "call"]
    assert image[header.index("item")] == "image:dall-e-3:1024x1024:standard"
    assert float(image[header.index("rate")]) == 40_000
