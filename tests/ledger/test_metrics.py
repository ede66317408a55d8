"""Ledger metrics: bounded-label counters, and gauges computed from the database at scrape time."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from ledger import services

pytestmark = pytest.mark.django_db


def value(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_it_counts_tokens_and_credits_by_pricing_key(funded):
    tokens, credits = (
        value("ledger_tokens_total", value_key="gpt-4o", token_type="prompt"),
        value("ledger_credits_spent_total", value_key="gpt-4o", token_type="prompt"),
    )
    unknown = value("ledger_tokens_total", value_key="unknown", token_type="completion")
    services.spend_tokens(user=funded, model="openai/gpt-4o-2024-08-06", prompt_tokens=100)
    services.spend_tokens(user=funded, model="no-such-model-7", completion_tokens=3)
    assert value("ledger_tokens_total", value_key="gpt-4o", token_type="prompt") - tokens == 100
    assert value("ledger_credits_spent_total", value_key="gpt-4o", token_type="prompt") - credits == 250
    assert value("ledger_tokens_total", value_key="unknown", token_type="completion") - unknown == 3


def test_it_counts_checks_holds_and_denials(member, balances_on):
    balances_on.LEDGER_START_BALANCE = 300
    denied, created = (
        value("ledger_balance_checks_total", outcome="denied"),
        value("ledger_holds_total", event="created"),
    )
    services.check_balance(user=member, model="gpt-4o", amount=100)
    services.check_balance(user=member, model="gpt-4o", amount=100)
    assert value("ledger_balance_checks_total", outcome="denied") - denied == 1
    assert value("ledger_holds_total", event="created") - created == 1


def test_it_reads_balance_gauges_at_scrape_time(member, operator, balances_on):
    services.check_balance(user=member, model="gpt-4o", amount=100)
    services.grant_credits(user=operator, amount=5)
    services.spend_tokens(user=operator, model="gpt-4o", prompt_tokens=10)
    assert value("ledger_credits_outstanding") == 20000
    assert value("ledger_users_at_zero") == 1
    assert (value("ledger_active_holds"), value("ledger_held_credits")) == (1, 250)
