"""8 processes submitting the same messages' priced calls at once: each item of each message is charged once.

Runs on the session's database (SQLite file or PostgreSQL); run the suite with DATABASE_URL set for both.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from ledger import services
from ledger.models import Balance, Transaction
from ledger.verify import verify_balance
from tests.ledger.test_concurrency import CLIENTS, _hammer

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
MESSAGES = 10


def test_concurrent_double_submissions_charge_each_item_once(settings):
    settings.LEDGER_BALANCE_ENABLED = True
    user = get_user_model().objects.create(username="double-submitted")
    services.grant_credits(user=user, amount=10_000_000)
    results = _hammer("calls", user.pk, MESSAGES)
    assert results == [{"spent": MESSAGES}] * CLIENTS
    rows = Transaction.objects.filter(user=user, token_type="call")
    assert rows.count() == MESSAGES * 2
    assert set(rows.values_list("item", flat=True)) == {"image:dall-e-3::", "web_search:openai"}
    balance = Balance.objects.get(user=user)
    # Each message: one dall-e-3 image (40,000 credits) and two web searches (10,000 each), charged once.
    assert balance.token_credits == 10_000_000 - MESSAGES * 60_000
    assert verify_balance(balance) == []
