"""A user's own usage (ledger/selfservice.py) and their spending cap, enforced by the balance check."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from ledger import money, selfservice, services
from ledger.models import Transaction
from ledger.selfservice import Range
from ledger.validation import LedgerInputError
from tests.factories import UserFactory

BERLIN = ZoneInfo("Europe/Berlin")


def spend(user, *, model="gpt-4o", prompt=1000, completion=500, message=None, conversation="c1"):
    return services.spend_tokens(
        user=user,
        model=model,
        prompt_tokens=prompt,
        completion_tokens=completion,
        message_id=message,
        conversation_id=conversation,
    )


def charged(rows) -> float:
    return -sum(row.token_value for row in rows)


@pytest.fixture
def berlin(settings):
    settings.LEDGER_REFILL_TIME_ZONE = "Europe/Berlin"


@pytest.mark.django_db
def test_a_messages_cost_is_its_token_rows_and_its_call_rows(funded):
    tokens = spend(funded, message="m1")
    calls = services.spend_calls(
        user=funded,
        items=[{"kind": "web_search", "name": "openai", "quantity": 2}],
        message_id="m1",
        conversation_id="c1",
    )
    spend(funded, message="m2", model="claude-3-5-haiku")
    costs = selfservice.message_costs(funded, message_ids=["m1", "m2", "unknown"])
    rows = Transaction.objects.filter(user=funded, message_id="m1")
    assert (
        costs["m1"]["credits"]
        == charged(rows)
        == tokens.prompt.token_value * -1 + (-tokens.completion.token_value) + calls.credits
    )
    assert (costs["m1"]["prompt_tokens"], costs["m1"]["completion_tokens"], costs["m1"]["calls"]) == (1000, 500, 2)
    assert costs["m1"]["money"] == money.round_money(costs["m1"]["credits"])
    assert set(costs) == {"m1", "m2"}
    [conversation] = selfservice.conversation_costs(funded)
    assert conversation["credits"] == pytest.approx(charged(Transaction.objects.spends().filter(user=funded)))
    assert conversation["requests"] == 2


@pytest.mark.django_db
def test_it_never_reads_another_users_rows(funded):
    other = UserFactory()
    services.grant_credits(user=other, amount=1_000_000, reason="test")
    spend(other, message="theirs", conversation="c1")
    assert selfservice.message_costs(funded, message_ids=["theirs"]) == {}
    assert selfservice.conversation_costs(funded) == []
    assert selfservice.spend_by_model(funded, Range.checked(None, None)) == []


@pytest.mark.django_db
def test_days_are_local_days_and_models_are_ranked(funded, berlin):
    # 23:30 UTC on Mar 1 is already Mar 2 in Berlin.
    with time_machine.travel(datetime(2026, 3, 1, 23, 30, tzinfo=UTC), tick=False):
        late = spend(funded, message="late")
    with time_machine.travel(datetime(2026, 3, 1, 10, 0, tzinfo=UTC), tick=False):
        early = spend(funded, message="early", model="gpt-4o-mini")
    within = Range.checked(date(2026, 2, 28), date(2026, 3, 3))
    days = {row["day"]: row for row in selfservice.spend_by_day(funded, within)}
    assert list(days) == [date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)]
    assert days[date(2026, 3, 1)]["credits"] == charged([early.prompt, early.completion])
    assert days[date(2026, 3, 2)]["credits"] == charged([late.prompt, late.completion])
    assert days[date(2026, 2, 28)] == {"day": date(2026, 2, 28), "credits": 0.0, "requests": 0, "money": 0.0}
    models = selfservice.spend_by_model(funded, within)
    assert [row["model"] for row in models] == ["gpt-4o", "gpt-4o-mini"]  # the dearer first
    page = selfservice.message_page(funded, within, page=1, page_size=1)
    assert [row["message_id"] for row in page["messages"]] == ["late"] and page["has_next"]
    page = selfservice.message_page(funded, within, page=2, page_size=1)
    assert [row["message_id"] for row in page["messages"]] == ["early"] and not page["has_next"]


@pytest.mark.parametrize(("start", "end"), [(date(2026, 3, 2), date(2026, 3, 1)), (date(2024, 1, 1), date(2026, 1, 1))])
def test_a_reversed_or_too_long_range_is_refused(start, end):
    with pytest.raises(LedgerInputError):
        Range.checked(start, end)


@pytest.mark.django_db
def test_the_users_daily_cap_refuses_what_would_pass_it(funded, berlin):
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN), tick=False):
        first = spend(funded, message="m1")
        spent = charged([first.prompt, first.completion])
        selfservice.set_spend_cap(user=funded, period="day", credits=spent + 3000)
        # 1,000 gpt-4o prompt tokens cost 2,500 credits: within the cap, and held once admitted.
        allowed = services.check_balance(user=funded, model="gpt-4o", amount=1000)
        assert allowed.allowed
        refused = services.check_balance(user=funded, model="gpt-4o", amount=1000)  # the hold counts
        assert not refused.allowed
        assert refused.payload["type"] == "spend_cap"
        assert refused.payload["cap"] == {"period": "day", "limit": spent + 3000, "spent": spent}
        services.release_hold(allowed.hold)
        assert selfservice.account(funded)["cap"]["remaining"] == 3000
    # The next local day starts again from nothing.
    with time_machine.travel(datetime(2026, 3, 3, 0, 1, tzinfo=BERLIN), tick=False):
        assert services.check_balance(user=funded, model="gpt-4o", amount=1000).allowed


@pytest.mark.django_db
def test_a_monthly_cap_counts_the_local_month(funded, berlin):
    with time_machine.travel(datetime(2026, 3, 31, 23, 30, tzinfo=BERLIN), tick=False):
        spend(funded, message="march")
    with time_machine.travel(datetime(2026, 4, 1, 0, 30, tzinfo=BERLIN), tick=False):
        selfservice.set_spend_cap(user=funded, period="month", credits=2500)
        assert selfservice.account(funded)["cap"]["spent"] == 0  # March's spend is not April's
        assert services.check_balance(user=funded, model="gpt-4o", amount=1000).allowed
        selfservice.set_spend_cap(user=funded, period=None, credits=None)
        assert selfservice.account(funded)["cap"] is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("period", "credits"),
    [
        ("week", 10),
        ("day", -1),
        ("day", float("nan")),
        ("day", float("inf")),
        ("day", 1e30),
        ("day", "10"),
        ("day", None),
        (None, 5),
    ],
)
def test_a_bad_cap_is_refused(member, period, credits):
    with pytest.raises(LedgerInputError):
        selfservice.set_spend_cap(user=member, period=period, credits=credits)


@pytest.mark.django_db
def test_account_reads_balance_money_and_next_refill(funded, settings):
    account = selfservice.account(funded)
    assert account["credits"] == 1_000_000  # the test funds (a grant opens a balance at 0)
    assert account["money"] == money.round_money(1_000_000)
    assert account["next_refill_at"] is None and account["refill"] == "no auto-refill"
    assert selfservice.account(UserFactory())["credits"] == 0.0
