"""spend_batch: many spends written set-wise (one transaction, one lock per user) give exactly the rows,
balances and holds that the same spends give one call at a time; a bad spend is refused alone."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import services
from ledger.models import Balance, Hold, Transaction
from ledger.verify import verify_balance
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
_runs = itertools.count()

ROW_FIGURES = ("token_type", "raw_amount", "token_value", "rate", "balance_before", "balance_after", "written_off",
               "message_id", "input_tokens", "write_tokens", "read_tokens")  # fmt: skip

spend = st.fixed_dictionaries(
    {"who": st.integers(0, 2), "prompt": st.integers(-10, 40_000), "completion": st.integers(-10, 40_000)},
    optional={
        "message": st.integers(0, 4),  # a few ids, so retries of one message happen within a batch
        "structured": st.tuples(st.integers(0, 5000), st.integers(0, 5000), st.integers(0, 5000)),
        "incomplete": st.booleans(),
    },
)


def _keywords(item: dict, user) -> dict:
    keywords = {"user": user, "model": "gpt-4o", "completion_tokens": item["completion"]}
    if "structured" in item:
        keywords["prompt_tokens"] = dict(zip(("input", "write", "read"), item["structured"], strict=True))
    else:
        keywords["prompt_tokens"] = item["prompt"]
    if "message" in item:
        keywords["message_id"] = f"m{item['message']}"
    if item.get("incomplete"):
        keywords["context"] = "incomplete"
    return keywords


def _people(run: int, label: str) -> list:
    """Three users with 30,000 credits, a hold on the first (so spends settle it)."""
    users = [UserFactory(username=f"{label}-{run}-{n}") for n in range(3)]
    for user in users:
        services.grant_credits(user=user, amount=30_000)
    assert services.check_balance(user=users[0], model="gpt-4o", amount=100).hold is not None
    return users


def _state(users) -> list:
    rows = [
        [tuple(getattr(row, name) for name in ROW_FIGURES) for row in Transaction.objects.filter(user=user)
         .exclude(token_type="credits").order_by("pk")]
        for user in users
    ]  # fmt: skip
    balances = [Balance.objects.values_list("token_credits", "held_credits").get(user=user) for user in users]
    holds = [list(Hold.objects.filter(user=user).values_list("status", flat=True)) for user in users]
    return [rows, balances, holds]


# Every spend with a message id: on PostgreSQL the whole batch goes in one insert (ledger/spendsql.insert_spends).
spend_of_a_message = st.tuples(spend, st.integers(0, 4)).map(lambda pair: {"message": pair[1], **pair[0]})


def _batch_matches_one_by_one(items: list[dict]) -> None:
    run = next(_runs)
    one_by_one, batched = _people(run, "single"), _people(run, "batch")
    for item in items:
        keywords = _keywords(item, one_by_one[item["who"]])
        charge = services.spend_structured_tokens if "structured" in item else services.spend_tokens
        charge(**keywords)
    results = services.spend_batch([_keywords(item, batched[item["who"]]) for item in items])

    assert _state(batched) == _state(one_by_one)
    assert all(isinstance(result, services.SpendResult) for result in results)
    assert all(verify_balance(Balance.objects.get(user=user)) == [] for user in batched)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(spend, min_size=1, max_size=12))
def test_a_batch_writes_what_the_same_spends_write_one_by_one(balances_on, items):
    _batch_matches_one_by_one(items)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(spend_of_a_message, min_size=2, max_size=12))
def test_a_batch_of_messages_writes_what_they_write_one_by_one(balances_on, items):
    _batch_matches_one_by_one(items)


def test_a_bad_spend_is_refused_alone_and_the_others_are_charged(balances_on):
    ann = UserFactory()
    results = services.spend_batch([
        {"user": ann, "model": "gpt-4o", "prompt_tokens": 100},
        {"user": ann, "model": "gpt-4o", "prompt_tokens": float("nan")},
        {"user": ann, "model": "gpt-4o", "prompt_tokens": 10, "tokens": 5},
        {"user": ann, "model": "gpt-4o", "prompt_tokens": {"input": "many"}},
        {"user": ann, "model": "gpt-4o", "completion_tokens": 50},
    ])  # fmt: skip
    assert [type(result).__name__ for result in results] == [
        "SpendResult", "LedgerInputError", "LedgerInputError", "LedgerInputError", "SpendResult"
    ]  # fmt: skip
    assert "tokens" in str(results[2])
    assert Transaction.objects.filter(user=ann).count() == 2
    assert results[4].balance == Balance.objects.get(user=ann).token_credits


def test_a_retried_message_in_one_batch_is_charged_once_and_answered_twice(balances_on):
    ann = UserFactory()
    spend = {"user": ann, "model": "gpt-4o", "prompt_tokens": 100, "completion_tokens": 10, "message_id": "m1"}
    first, again = services.spend_batch([spend, spend])
    assert Transaction.objects.filter(user=ann, message_id="m1").count() == 2
    assert (again.prompt.pk, again.completion.pk) == (first.prompt.pk, first.completion.pk)


def test_each_user_is_locked_and_saved_once_per_batch(balances_on):
    users = UserFactory.create_batch(3)
    spends = [{"user": users[n % 3], "model": "gpt-4o", "prompt_tokens": 10} for n in range(30)]
    services.spend_batch(spends[:3])  # the balances exist from here on
    with CaptureQueriesContext(connection) as queries:
        services.spend_batch(spends)
    balance_queries = [q["sql"] for q in queries.captured_queries if '"ledger_balance"' in q["sql"]]
    # One query locks the three balances, one executemany saves them (Django logs it as "3 times: ...").
    assert len(balance_queries) == 2
    assert balance_queries[0].startswith("SELECT") and balance_queries[1].startswith('3 times: UPDATE "ledger_balance"')


def test_with_transactions_off_nothing_is_written(settings):
    settings.LEDGER_TRANSACTIONS_ENABLED = False
    results = services.spend_batch([{"user": UserFactory(), "model": "gpt-4o", "prompt_tokens": 10}])
    assert results == [services.SpendResult(None, None, None)] and not Transaction.objects.exists()


def test_a_batch_the_database_refuses_is_charged_one_by_one(balances_on, monkeypatch):
    ann, bob = UserFactory(), UserFactory()

    def refuse(spends):
        from django.db import DatabaseError

        raise DatabaseError("deadlock detected")

    monkeypatch.setattr(services, "_write_many", refuse)
    results = services.spend_batch([
        {"user": ann, "model": "gpt-4o", "prompt_tokens": 10}, {"user": bob, "model": "gpt-4o", "prompt_tokens": 20},
    ])  # fmt: skip
    assert [result.prompt.raw_amount for result in results] == [-10, -20]
