"""The transactions list answers with the ledger's largest valid figures (JSON has no infinities)."""

from __future__ import annotations

import pytest

from ledger.models import Balance, Transaction
from ledger.validation import MAX_BALANCE, MAX_RATE, MAX_TOKENS

pytestmark = pytest.mark.django_db
TOP = {"custom-x": {"prompt": MAX_RATE, "completion": MAX_RATE, "write": MAX_RATE, "read": MAX_RATE}}


def test_it_lists_the_largest_valid_figures(api, balances_on):
    assert api.post("grants", {"user": "big", "amount": 10**12}).status_code == 200
    Balance.objects.update(token_credits=MAX_BALANCE)
    parts = {"input": MAX_TOKENS, "write": MAX_TOKENS, "read": MAX_TOKENS}
    spends = [
        {"prompt_tokens": parts, "completion_tokens": MAX_TOKENS},
        {"prompt_tokens": MAX_TOKENS, "completion_tokens": MAX_TOKENS, "context": "incomplete"},
    ]
    for spend in spends:
        response = api.post("spends", {"user": "big", "model": "custom-x", "endpoint_token_config": TOP, **spend})
        assert response.status_code == 200, response.content

    response = api.get("transactions", {"user": "big"})

    assert response.status_code == 200, response.content
    rows = response.json()["results"]
    assert len(rows) == Transaction.objects.count() == 5
    assert min(row["token_value"] for row in rows) == -3e15
    assert max(row["rate"] for row in rows) == MAX_RATE * 1.15
    assert rows[-1]["token_value"] == 10**12 and rows[0]["balance_after"] == 0
