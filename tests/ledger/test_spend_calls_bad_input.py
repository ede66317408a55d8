"""spend_calls refuses bad items with LedgerInputError and writes nothing: the ledger's own validation, so a
Django caller gets the same guarantees as the HTTP API."""

from __future__ import annotations

import math

import pytest

from ledger import services
from ledger.models import Balance, Transaction
from ledger.validation import LedgerInputError

pytestmark = pytest.mark.django_db

SEARCH = {"kind": "web_search"}


@pytest.mark.parametrize(
    "items",
    [
        {"kind": "web_search"},
        "web_search",
        None,
        [["web_search"]],
        ["web_search"],
        [{"kind": "fax"}],
        [{"kind": None}],
        [{"kind": "web_search", "price": 0}],
        [{"kind": "web_search", "name": {"nested": "dict"}}],
        [{"kind": "web_search", "name": ["a"]}],
        [{"kind": "web_search", "name": "x" * 101}],
        [{"kind": "web_search", "name": "bad\nname"}],
        [{"kind": "image"}],
        [{"kind": "tool", "name": ""}],
        [{"kind": "web_search", "size": "1024x1024"}],
        [{"kind": "image", "name": "dall-e-3", "size": "10:24"}],
        [{"kind": "image", "name": "dall-e-3", "quality": {"hd": True}}],
        [{**SEARCH, "quantity": math.nan}],
        [{**SEARCH, "quantity": math.inf}],
        [{**SEARCH, "quantity": -math.inf}],
        [{**SEARCH, "quantity": 10**6 + 1}],
        [{**SEARCH, "quantity": 1e300}],
        [{**SEARCH, "quantity": 0}],
        [{**SEARCH, "quantity": -1}],
        [{**SEARCH, "quantity": 1.5}],
        [{**SEARCH, "quantity": True}],
        [{**SEARCH, "quantity": "3"}],
        [{**SEARCH, "quantity": None}],
        [SEARCH] * 101,
        [{**SEARCH, "quantity": 600_000}, {**SEARCH, "quantity": 600_000}],
        [SEARCH, {"kind": "fax"}],
    ],
)
def test_it_refuses_bad_items_and_writes_nothing(funded, items):
    before = Balance.objects.get(user=funded).token_credits
    with pytest.raises(LedgerInputError):
        services.spend_calls(user=funded, items=items, message_id="m")
    assert not Transaction.objects.filter(token_type="call").exists()
    assert Balance.objects.get(user=funded).token_credits == before


def test_an_empty_list_charges_nothing(funded):
    result = services.spend_calls(user=funded, items=[])
    assert result.rows == () and result.balance is None


def test_the_largest_valid_spend_stays_within_the_stored_limit(funded):
    (row,) = services.spend_calls(user=funded, items=[{"kind": "image", "name": "gpt-image-1", "quantity": 10**6}]).rows
    assert row.token_value == -(10**6) * 250_000
    assert row.balance_after == 0 and row.written_off == 10**6 * 250_000 - 1_000_000
