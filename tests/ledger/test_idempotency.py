"""A spend that carries a message id is charged once, however often it is retried."""

from __future__ import annotations

import pytest

from ledger import services
from ledger.models import Balance, Transaction
from ledger.verify import verify_balance
from tests.ledger.conftest import credits

pytestmark = pytest.mark.django_db


def test_it_charges_a_retried_message_once(funded):
    first = services.spend_tokens(
        user=funded, model="gpt-4o", prompt_tokens=100, completion_tokens=10, message_id="m-1"
    )
    again = services.spend_tokens(
        user=funded, model="gpt-4o", prompt_tokens=100, completion_tokens=10, message_id="m-1"
    )
    assert (again.prompt.pk, again.completion.pk) == (first.prompt.pk, first.completion.pk)
    assert again.balance == first.balance == credits(funded) == 1_000_000 - 350
    assert Transaction.objects.filter(message_id="m-1").count() == 2


def test_it_charges_the_missing_part_of_a_message(funded):
    services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=100, message_id="m-2")
    both = services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=100, completion_tokens=10, message_id="m-2")
    assert both.completion.balance_before == 1_000_000 - 250
    assert credits(funded) == 1_000_000 - 350
    # What is in the database replays exactly: one prompt row, one completion row, an unbroken chain.
    rows = Transaction.objects.filter(user=funded, message_id="m-2").order_by("pk")
    assert [(row.token_type, row.balance_before, row.balance_after) for row in rows] == [
        ("prompt", 1_000_000, 1_000_000 - 250),
        ("completion", 1_000_000 - 250, 1_000_000 - 350),
    ]
    assert verify_balance(Balance.objects.get(user=funded)) == []


def test_it_keeps_messages_of_different_users_apart(funded, operator):
    services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=10, message_id="shared")
    other = services.spend_tokens(user=operator, model="gpt-4o", prompt_tokens=10, message_id="shared")
    assert other.prompt.user_id == operator.pk and other.balance == 0


def test_it_is_idempotent_with_balances_off(member, settings):
    settings.LEDGER_BALANCE_ENABLED = False
    first = services.spend_structured_tokens(user=member, model="gpt-4o", prompt_tokens={"input": 5}, message_id=7)
    again = services.spend_structured_tokens(user=member, model="gpt-4o", prompt_tokens={"input": 5}, message_id="7")
    assert again.prompt.pk == first.prompt.pk
    assert Transaction.objects.filter(user=member).count() == 1
