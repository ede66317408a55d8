"""spend_calls: one `call` row per item with quantity and unit price, the same chain, holds and write-off as
token spends, and each item of a message charged once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from prometheus_client import REGISTRY

from ledger import selectors, services
from ledger.models import Balance, Hold, Transaction
from ledger.verify import verify_balance
from tests.ledger.conftest import credits

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_cached_prices")]

IMAGE_HD_WIDE = {"kind": "image", "name": "dall-e-3", "size": "1792x1024", "quality": "hd"}


def test_it_charges_one_row_per_item_with_quantity_and_unit_price(funded):
    result = services.spend_calls(
        user=funded,
        items=[{**IMAGE_HD_WIDE, "quantity": 2}, {"kind": "web_search", "quantity": 3}],
        message_id="m-1",
        conversation_id="c-1",
    )
    image, search = result.rows
    # OpenAI's price list: dall-e-3 hd 1792x1024 is 0.12 USD an image, a web search 10 USD per 1,000 calls.
    assert (image.token_type, image.item, image.model) == ("call", "image:dall-e-3:1792x1024:hd", "dall-e-3")
    assert (image.value_key, image.rate, image.raw_amount, image.token_value) == (
        "image:dall-e-3:1792x1024:hd", 120_000, -2, -240_000
    )  # fmt: skip
    assert (search.item, search.value_key, search.rate, search.raw_amount, search.token_value) == (
        "web_search", "web_search:*", 10_000, -3, -30_000
    )  # fmt: skip
    assert (image.conversation_id, image.message_id, image.context) == ("c-1", "m-1", "message")
    assert image.balance_before == 1_000_000 and image.balance_after == search.balance_before == 760_000
    assert result.balance == credits(funded) == 730_000
    assert result.credits == 270_000
    assert verify_balance(Balance.objects.get(user=funded)) == []


@pytest.mark.parametrize(
    ("item", "value_key", "unit"),
    [
        ({"kind": "image", "name": "dall-e-3"}, "image:dall-e-3:*:*", 40_000),
        ({"kind": "image", "name": "dall-e-3", "size": "1024x1792"}, "image:dall-e-3:1024x1792:*", 80_000),
        ({"kind": "image", "name": "dall-e-3", "size": "2048x2048", "quality": "hd"}, "image:dall-e-3:*:hd", 80_000),
        ({"kind": "image", "name": "dall-e-2", "size": "256x256"}, "image:dall-e-2:256x256:*", 16_000),
        ({"kind": "image", "name": "gpt-image-1", "size": "1024x1024", "quality": "low"}, None, 11_000),
        ({"kind": "image", "name": "gpt-image-1", "size": "1536x1024", "quality": "medium"}, None, 63_000),
        ({"kind": "image", "name": "gpt-image-1", "quality": "auto"}, "image:gpt-image-1:*:*", 250_000),
        ({"kind": "image", "name": "gpt-image-1-mini", "size": "1024x1024", "quality": "high"}, None, 36_000),
        ({"kind": "image", "name": "openai/dall-e-3", "quality": "hd"}, "image:dall-e-3:*:hd", 80_000),
        ({"kind": "image", "name": "flux-pro-1.1-ultra"}, "image:flux-pro-1.1-ultra:*:*", 60_000),
        ({"kind": "image", "name": "some-new-image-model"}, "image:*:*:*", 40_000),
        ({"kind": "web_search", "name": "gemini-2.5-pro"}, "web_search:gemini", 35_000),
        ({"kind": "web_search", "name": "anthropic"}, "web_search:anthropic", 10_000),
        ({"kind": "code_session"}, "code_session:*", 30_000),
        ({"kind": "file_search", "quantity": 4}, "file_search:*", 2_500),
        ({"kind": "tool", "name": "weather"}, "tool:*", 0),
    ],
)
def test_it_prices_each_kind_from_the_shipped_table(member, item, value_key, unit):
    (row,) = services.spend_calls(user=member, items=[item]).rows
    assert row.rate == unit
    assert row.token_value == -unit * item.get("quantity", 1)
    if value_key:
        assert row.value_key == value_key


def test_it_adds_up_items_with_the_same_kind_name_and_options(funded):
    result = services.spend_calls(
        user=funded, items=[{"kind": "web_search", "name": "openai"}, {"kind": "web_search", "name": "openai"}]
    )
    (row,) = result.rows
    assert (row.item, row.raw_amount, row.token_value) == ("web_search:openai", -2, -20_000)


def test_it_charges_each_item_of_a_message_once(funded):
    first = services.spend_calls(user=funded, items=[IMAGE_HD_WIDE], message_id="m-2")
    again = services.spend_calls(user=funded, items=[IMAGE_HD_WIDE], message_id="m-2")
    assert [row.pk for row in again.rows] == [row.pk for row in first.rows]
    assert again.balance == first.balance == credits(funded) == 1_000_000 - 120_000
    # A retry that carries one more item charges only that one.
    more = services.spend_calls(user=funded, items=[IMAGE_HD_WIDE, {"kind": "code_session"}], message_id="m-2")
    assert more.rows[0].pk == first.rows[0].pk
    assert more.rows[1].balance_before == 880_000 and credits(funded) == 850_000
    assert Transaction.objects.filter(user=funded, message_id="m-2").count() == 2
    assert verify_balance(Balance.objects.get(user=funded)) == []


def test_it_keeps_token_and_call_rows_of_one_message_apart(funded):
    services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=100, completion_tokens=10, message_id="m-3")
    services.spend_calls(user=funded, items=[{"kind": "web_search"}], message_id="m-3")
    services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=100, completion_tokens=10, message_id="m-3")
    rows = Transaction.objects.filter(message_id="m-3")
    assert sorted(rows.values_list("token_type", flat=True)) == ["call", "completion", "prompt"]
    assert credits(funded) == 1_000_000 - 350 - 10_000


def test_it_charges_calls_without_a_message_id_each_time(funded):
    services.spend_calls(user=funded, items=[{"kind": "file_search"}])
    services.spend_calls(user=funded, items=[{"kind": "file_search"}])
    assert credits(funded) == 1_000_000 - 5_000


def test_it_writes_off_what_the_balance_cannot_absorb(member, balances_on):
    services.grant_credits(user=member, amount=10_000)
    (row,) = services.spend_calls(user=member, items=[{"kind": "image", "name": "dall-e-3"}]).rows
    assert (row.balance_before, row.balance_after, row.written_off) == (10_000, 0, 30_000)
    assert verify_balance(Balance.objects.get(user=member)) == []


def test_it_records_without_touching_balances_when_they_are_off(member, settings):
    settings.LEDGER_BALANCE_ENABLED = False
    result = services.spend_calls(user=member, items=[{"kind": "code_session"}], message_id=5)
    assert result.balance is None and result.rows[0].balance_after is None
    assert result.rows[0].message_id == "5"
    assert not Balance.objects.filter(user=member).exists()


def test_it_writes_nothing_when_transactions_are_off(member, settings):
    settings.LEDGER_BALANCE_ENABLED = False
    settings.LEDGER_TRANSACTIONS_ENABLED = False
    result = services.spend_calls(user=member, items=[{"kind": "code_session"}])
    assert result.rows == () and not Transaction.objects.exists()


def test_it_settles_the_oldest_hold_like_a_token_spend(funded):
    check = services.check_balance(user=funded, model="gpt-4o", amount=100)
    services.spend_calls(user=funded, items=[{"kind": "web_search"}], message_id="m-4")
    check.hold.refresh_from_db()
    assert check.hold.status == Hold.Status.SETTLED
    assert Balance.objects.get(user=funded).held_credits == 0


def test_calls_of_a_message_already_charged_for_tokens_leave_other_holds_alone(funded):
    first = services.check_balance(user=funded, model="gpt-4o", amount=100)
    second = services.check_balance(user=funded, model="gpt-4o", amount=100)
    services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=100, message_id="m-5")
    services.spend_calls(user=funded, items=[{"kind": "web_search"}], message_id="m-5")
    first.hold.refresh_from_db()
    second.hold.refresh_from_db()
    # The tokens settled this generation's hold; the calls do not take the next generation's.
    assert (first.hold.status, second.hold.status) == (Hold.Status.SETTLED, Hold.Status.ACTIVE)
    assert Balance.objects.get(user=funded).held_credits == second.hold.amount


def test_a_check_holds_the_price_of_the_calls_it_announces(funded):
    """A request that will make priced calls is held for them as for its tokens: the calls' price joins the
    check's cost, so concurrent checks never commit more than the balance; the message's token spend settles
    the one hold, and its calls then settle nothing else."""
    image = {"kind": "image", "name": "dall-e-3", "size": "1024x1024", "quality": "standard"}
    check = services.check_balance(user=funded, model="gpt-4o", amount=100, items=[image, {"kind": "web_search"}])
    assert check.allowed and check.token_cost == 100 * 2.5 + 40_000 + 10_000
    assert check.hold.amount == 50_250 and Balance.objects.get(user=funded).held_credits == 50_250

    other = services.check_balance(user=funded, model="gpt-4o", amount=100)
    services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=100, message_id="m-6")
    services.spend_calls(user=funded, items=[image, {"kind": "web_search"}], message_id="m-6")
    check.hold.refresh_from_db()
    other.hold.refresh_from_db()
    assert (check.hold.status, other.hold.status) == (Hold.Status.SETTLED, Hold.Status.ACTIVE)


def test_a_check_is_denied_when_the_balance_cannot_cover_the_calls(member, balances_on):
    """20,000 credits cover the prompt but not a 40,000-credit image: denied, with the whole cost named,
    where a check for the tokens alone would admit the request and the image be written off."""
    image = {"kind": "image", "name": "dall-e-3", "quality": "standard", "size": "1024x1024"}
    check = services.check_balance(user=member, model="gpt-4o", amount=100, items=[image])
    assert not check.allowed and check.hold is None
    assert check.payload["tokenCost"] == 40_250
    assert services.check_balance(user=member, model="gpt-4o", amount=100).allowed


def test_a_check_refuses_items_spend_calls_would_refuse(funded):
    with pytest.raises(services.LedgerInputError, match="quantity"):
        services.check_balance(user=funded, model="gpt-4o", amount=1, items=[{"kind": "web_search", "quantity": 0}])
    assert not Hold.objects.exists()


def test_a_free_endpoints_calls_cost_its_check_nothing(funded, settings):
    settings.LEDGER_FREE_ENDPOINTS = ["ollama"]
    check = services.check_balance(
        user=funded, model="llama3", amount=100, endpoint="ollama", items=[{"kind": "image", "name": "flux-dev"}]
    )
    assert check.allowed and check.token_cost == 0 and check.hold is None


def test_call_rows_are_spends_in_every_figure_that_counts_credits(funded):
    services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=100, completion_tokens=10, message_id="m-6")
    services.spend_calls(user=funded, items=[{**IMAGE_HD_WIDE, "quantity": 2}], message_id="m-6")
    since = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    assert Transaction.objects.spends().count() == 3
    assert selectors.credits_spent(since=since) == 350 + 240_000
    (day,) = selectors.spends_by_user_day(since=since)
    # Tokens count prompt and completion rows only; the two images are in the credits, not in the tokens.
    assert (day["tokens"], day["credits"], day["requests"]) == (110, 240_350, 1)
    by_model = {row["model"]: row for row in selectors.spends_by_model_hour(since=since)}
    assert by_model["dall-e-3"]["credits"] == 240_000 and not by_model["dall-e-3"]["prompt"]


def test_the_reads_of_budgets_forecasts_and_spend_alerts_include_call_rows(funded):
    """Budgets' hard stops (spend_total), the month forecast's rollup (credits_by_minute) and the user spend
    alerts (credits_by_user) read the ledger's one definition of a spend, so an image counts in each."""
    since = timezone.now() - dt.timedelta(minutes=1)
    services.spend_tokens(user=funded, model="gpt-4o", prompt_tokens=100, message_id="m-7")
    services.spend_calls(user=funded, items=[IMAGE_HD_WIDE], message_id="m-7")
    until = timezone.now() + dt.timedelta(minutes=1)
    assert selectors.spend_total(since=since, until=until) == 250 + 120_000
    assert sum(row["credits"] for row in selectors.credits_by_minute(since=since)) == 250 + 120_000
    assert selectors.credits_by_user(since=since) == {funded.pk: 250 + 120_000}


def test_it_counts_calls_and_their_credits_in_metrics(funded):
    def sample(name, **labels):
        return REGISTRY.get_sample_value(name, labels) or 0.0

    calls_before = sample("ledger_calls_total", kind="web_search")
    credits_before = sample("ledger_credits_spent_total", value_key="web_search", token_type="call")
    services.spend_calls(user=funded, items=[{"kind": "web_search", "quantity": 3}])
    assert sample("ledger_calls_total", kind="web_search") - calls_before == 3
    assert sample("ledger_credits_spent_total", value_key="web_search", token_type="call") - credits_before == 30_000
