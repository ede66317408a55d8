"""Ledger metrics: bounded-label counters, and gauges computed from the database at scrape time."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from ledger import metrics, services

pytestmark = pytest.mark.django_db


def value(name: str, **labels) -> float:
    """The sample as a scrape reads it: after a sync of the spend counts (kept in memory once a monitoring
    flusher runs in this process, as it does after any test's request)."""
    metrics.spend_counts.sync()
    return REGISTRY.get_sample_value(name, labels) or 0.0


def spend_figures() -> tuple:
    return (
        value("ledger_tokens_total", value_key="gpt-4o", token_type="prompt"),
        value("ledger_credits_spent_total", value_key="gpt-4o", token_type="completion"),
        value("ledger_spend_seconds_count"),
    )


@pytest.fixture
def keeping():
    """Spend counts kept in memory, as under chatmon's monitoring flusher; written and back to before after."""
    was = metrics.spend_counts.keeping
    metrics.spend_counts.keep()
    yield metrics.spend_counts
    metrics.spend_counts.sync()
    metrics.spend_counts.keeping = was


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


def test_kept_spend_counts_wait_for_the_sync_and_then_are_all_there(funded, keeping):
    before = spend_figures()
    for _ in range(3):
        services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=100, completion_tokens=10)
    # Nothing written per spend: REGISTRY read directly, without value()'s sync.
    assert REGISTRY.get_sample_value("ledger_spend_seconds_count") == before[2]
    keeping.sync()
    after = spend_figures()
    assert (after[0] - before[0], after[1] - before[1], after[2] - before[2]) == (300, 300, 3)
    keeping.sync()  # a second sync adds nothing
    assert spend_figures() == after


def test_spend_counts_are_written_at_once_unless_kept(funded):
    metrics.spend_counts.sync()
    was, metrics.spend_counts.keeping = metrics.spend_counts.keeping, False
    try:
        before = REGISTRY.get_sample_value("ledger_spend_seconds_count") or 0.0
        services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=100)
        assert REGISTRY.get_sample_value("ledger_spend_seconds_count") == before + 1
    finally:
        metrics.spend_counts.keeping = was


def test_a_forked_child_keeps_nothing_of_its_parents_counts(funded, keeping):
    services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=100)
    child = metrics.SpendCounts()
    child.keep()
    child.count("gpt-4o", "prompt", 5, 5)
    child._after_fork_in_child()  # what os.register_at_fork runs in a child
    assert not child.keeping
    before = spend_figures()
    child.sync()  # the parent's count was dropped, not written twice
    assert spend_figures() == before
