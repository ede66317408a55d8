"""The user's own pages: the cost under each reply and the conversation total, and "My usage", each checked
against the ledger's rows; the cap set there stops the next chat turn."""

from __future__ import annotations

import json
import re

import pytest
from django.test import override_settings
from django.urls import reverse

from examples.chatapp.models import Message
from ledger import money
from ledger.models import Balance, Transaction
from tests.chatapp.support import events_of

BALANCES_ON = {"LEDGER_BALANCE_ENABLED": True, "LEDGER_START_BALANCE": 20000, "LEDGER_AUTO_REFILL_ENABLED": False}


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def spent(user, **filters) -> float:
    return -sum(Transaction.objects.spends().filter(user=user, **filters).values_list("token_value", flat=True))


@override_settings(**BALANCES_ON)
def test_each_reply_shows_what_the_ledger_charged_and_the_conversation_its_total(member_api, member):
    from ledger import services

    services.grant_credits(user=member, amount=1_000_000, reason="test funds")
    first = member_api.chat(model="gpt-4o", text="/search the history of tokens", max_tokens=40)[-1].data
    conversation = first["conversation"]["id"]
    second = member_api.chat(model="gpt-4o", text="and then?", conversation_id=conversation, max_tokens=30)[-1].data
    page = member_api.client.get(reverse("chatapp:conversation_page", args=[conversation]))
    assert page.status_code == 200
    html = page.content.decode()
    for final in (first, second):
        reply = final["responseMessage"]["id"]
        charged = spent(member, message_id=reply)
        assert charged > 0
        shown = text_of(re.search(rf'data-cost="{reply}">(.*?)</span>', html, re.S).group(1))
        assert f"{money.format_credits(charged)} credits" in shown and money.format_money(charged) in shown
    assert Transaction.objects.filter(message_id=first["responseMessage"]["id"], token_type="call").exists()
    total = spent(member, conversation_id=conversation)
    section = text_of(html[html.index('id="conversation-total"') :])
    assert f"{money.format_credits(total)} credits" in section and money.format_money(total) in section
    assert "for 2 replies" in section and "failed" not in html


def test_a_failed_reply_says_so_above_its_charge(member_api, member, settings):
    from ledger import services

    services.grant_credits(user=member, amount=1_000_000, reason="test funds")
    settings.CHATAPP_FAKE_FAILURE_RATE = 1.0
    events_of(member_api.post("chat", {"model": "gpt-4o", "text": "this one fails"}))  # read to its end: saved
    answer = Message.objects.get(role="assistant")
    assert answer.status == "error"
    html = member_api.client.get(reverse("chatapp:conversation_page", args=[answer.conversation_id])).content
    shown = text_of(html.decode())
    assert "The reply failed" in shown and "for 1 reply" in shown and "1 replies" not in shown
    assert f"{money.format_credits(spent(member, message_id=answer.id))} credits" in shown


@override_settings(**BALANCES_ON)
def test_my_usage_shows_the_ledgers_figures_and_the_cap_stops_the_next_turn(member_api, member):
    member_api.chat(model="gpt-4o-mini", text="hello there", max_tokens=20)
    member_api.chat(model="claude-3-5-haiku", text="and you?", max_tokens=20)
    page = member_api.client.get(reverse("chatapp:usage_page"))
    assert page.status_code == 200
    html = page.content.decode()
    balance = Balance.objects.get(user=member).token_credits
    figures = text_of(html[html.index('data-figure="balance"') : html.index('data-figure="next-refill"')])
    assert money.format_credits(balance) in figures and money.format_money(balance) in figures
    for model in ("gpt-4o-mini", "claude-3-5-haiku"):
        row = text_of(re.search(rf'data-model="{model}">(.*?)</tr>', html, re.S).group(1))
        assert money.format_credits(spent(member, model=model)) in row
    total = text_of(html[html.index('data-figure="spent"') : html.index('data-figure="cap"')])
    assert money.format_credits(spent(member)) in total
    # A limit just above what was spent today: the next turn's estimate passes it and is refused.
    saved = member_api.client.post(reverse("chatapp:usage_page"), {"period": "day", "credits": spent(member) + 1})
    assert saved.status_code == 302
    refused = member_api.chat(model="gpt-4o", text="one more question please " * 20)
    assert refused[-1].event == "error" and json.loads(refused[-1].data["text"])["type"] == "spend_cap"


@pytest.mark.parametrize(
    "body",
    [
        {"period": "week", "credits": 5},
        {"period": "day", "credits": -5},
        {"period": "day", "credits": "lots"},
        {"period": "day", "credits": ""},
        {"period": "day", "credits": "1e400"},
    ],
)
def test_a_bad_cap_is_a_form_error(member_api, member, body):
    response = member_api.client.post(reverse("chatapp:usage_page"), body)
    assert response.status_code == 200 and 'class="errors"' in response.content.decode()
    assert not Balance.objects.filter(user=member).exclude(spend_cap_period="").exists()


def test_anonymous_visitors_get_the_sign_in_page_and_others_conversations_are_404(api, other_api, member_api):
    assert api.client.get(reverse("chatapp:usage_page")).status_code == 401
    conversation = member_api.post("conversations", {"model": "gpt-4o"}).json()["id"]
    assert other_api.client.get(reverse("chatapp:conversation_page", args=[conversation])).status_code == 404
    assert member_api.client.get(reverse("chatapp:conversation_page", args=[conversation])).status_code == 200
