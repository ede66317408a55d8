"""Operators' price overrides win over the shipped table from their effective date; history keeps old rates."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from ledger import pricing, services
from ledger.models import PriceOverride

pytestmark = pytest.mark.django_db


def test_it_charges_the_override_from_its_effective_date(funded):
    start = timezone.now() + timedelta(hours=1)
    PriceOverride.objects.create(pattern="gpt-4o", prompt=3, completion=12, cache_read=0.5, effective_from=start)
    before = services.spend_tokens(user=funded, model="gpt-4o-2024-08-06", prompt_tokens=10)
    with time_machine.travel(start + timedelta(seconds=1)):
        after = services.spend_tokens(user=funded, model="gpt-4o-2024-08-06", prompt_tokens=10, completion_tokens=1)
        cached = services.spend_structured_tokens(user=funded, model="gpt-4o", prompt_tokens={"write": 10, "read": 10})
    assert before.prompt.rate == 2.5
    assert (after.prompt.rate, after.completion.rate) == (3, 12)
    # write has no override rate, so it falls back to the (overridden) input rate
    assert cached.prompt.token_value == -(10 * 3 + 10 * 0.5)
    before.prompt.refresh_from_db()
    assert before.prompt.rate == 2.5 and before.prompt.token_value == -25
    assert pricing.multiplier(model="gpt-4o", token_type="prompt") == 2.5  # the shipped table is untouched


def test_it_adds_new_patterns_with_premium_tiers(funded):
    PriceOverride.objects.create(
        pattern="house-llm", prompt=1, completion=2, premium_threshold=1000, premium_prompt=4, premium_completion=8
    )
    small = services.spend_tokens(user=funded, model="acme/house-llm-v2", prompt_tokens=1000, completion_tokens=1)
    large = services.spend_tokens(user=funded, model="acme/house-llm-v2", prompt_tokens=1001, completion_tokens=1)
    assert (small.prompt.rate, small.completion.rate, small.prompt.value_key) == (1, 2, "house-llm")
    assert (large.prompt.rate, large.completion.rate) == (4, 8)


def test_it_lets_the_latest_override_win(funded):
    PriceOverride.objects.create(
        pattern="o3", prompt=9, completion=9, effective_from=timezone.now() - timedelta(days=2)
    )
    PriceOverride.objects.create(
        pattern="o3", prompt=1, completion=1, effective_from=timezone.now() - timedelta(days=1)
    )
    assert services.check_balance(user=funded, model="o3", amount=10).token_cost == 10
