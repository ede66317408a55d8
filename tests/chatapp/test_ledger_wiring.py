"""The chat flow end to end through the ledger: check (with a hold), stream, spend; denial; structured cache."""

from __future__ import annotations

import json
import math

import pytest
from django.test import override_settings

from examples.chatapp.models import Message
from examples.chatapp.provider import FakeStream
from ledger import selectors
from ledger.models import Hold, Transaction
from violations.models import Violation

BALANCES_ON = {"LEDGER_BALANCE_ENABLED": True, "LEDGER_START_BALANCE": 20000, "LEDGER_AUTO_REFILL_ENABLED": False}


@override_settings(**BALANCES_ON)
def test_it_charges_a_completed_reply_once_and_settles_its_hold(member_api, member):
    events = member_api.chat(model="gpt-4o", text="how many tokens does this question cost", max_tokens=40)
    final = events[-1].data
    assert final["final"] is True
    message_id = final["responseMessage"]["id"]

    rows = Transaction.objects.filter(user=member, message_id=message_id).order_by("token_type")
    assert [row.token_type for row in rows] == ["completion", "prompt"]
    assert {row.context for row in rows} == {"message"}
    usage = final["usage"]
    assert rows.get(token_type="prompt").raw_amount == -usage["prompt_tokens"]
    assert rows.get(token_type="completion").raw_amount == -usage["completion_tokens"]
    spent = -sum(row.token_value for row in rows)
    assert spent > 0
    assert selectors.balance_of(member) == pytest.approx(20000 - spent)
    assert not Hold.objects.filter(user=member, status=Hold.Status.ACTIVE).exists()


@override_settings(**BALANCES_ON)
def test_it_charges_prompt_cache_tokens_for_anthropic_style_models(member_api, member):
    text = " ".join(["a question long enough that part of the prompt comes from the cache"] * 3)
    usage = FakeStream(model="claude-sonnet-4", text=text, max_tokens=30).usage
    assert usage.cache_read_tokens or usage.cache_write_tokens, "pick a text that exercises the cache split"

    member_api.chat(model="claude-sonnet-4", text=text, max_tokens=30)

    prompt = Transaction.objects.get(user=member, token_type="prompt")
    assert (prompt.input_tokens, prompt.write_tokens, prompt.read_tokens) == (
        -usage.input_tokens,
        -usage.cache_write_tokens,
        -usage.cache_read_tokens,
    )


@override_settings(**{**BALANCES_ON, "LEDGER_START_BALANCE": 0})
def test_it_refuses_a_chat_the_balance_cannot_cover(member_api, member):
    events = member_api.chat(model="gpt-4o", text="anything at all", max_tokens=20)

    assert [event.event for event in events] == ["error"]
    denial = json.loads(events[0].data["text"])
    assert denial["type"] == "token_balance"
    assert denial["balance"] == 0
    assert denial["tokenCost"] > 0
    assert not Message.objects.exists()
    assert not Transaction.objects.filter(token_type__in=["prompt", "completion"]).exists()
    # The violations app records LibreChat's score-0 token_balance violation from the ledger's signal.
    violation = Violation.objects.get(type="token_balance", user=member)
    assert violation.score == 0


# The server's close() ends the request, which closes database connections: that needs real transactions.
@pytest.mark.django_db(transaction=True)
@override_settings(**BALANCES_ON)
def test_it_charges_a_reply_cut_short_as_incomplete(member_api, member):
    response = member_api.post("chat", {"model": "gpt-4o", "text": "a reply the client abandons", "max_tokens": 60})
    stream = iter(response.streaming_content)
    next(stream)  # the `created` event
    next(stream)  # the first chunk
    response.close()  # the client hung up

    reply = Message.objects.get(role="assistant")
    assert reply.status == Message.Status.DISCONNECTED
    completion = Transaction.objects.get(user=member, token_type="completion")
    assert completion.context == "incomplete"
    assert completion.raw_amount == -reply.completion_tokens
    # LibreChat's surcharge on an incomplete completion: 1.15 times the value, rounded up.
    assert completion.token_value == math.ceil(-reply.completion_tokens * completion.rate)
    assert completion.rate == pytest.approx(Transaction.objects.get(token_type="prompt").rate * 4 * 1.15)
