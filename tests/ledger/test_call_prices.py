"""The shipped call prices (each with its source and date) and operators' effective-dated call price overrides;
a row keeps the price it was charged at."""

from __future__ import annotations

import datetime as dt
import json
import math
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from ledger import calls, services
from ledger.forms import CallPriceOverrideForm
from ledger.models import CallPriceOverride, Transaction

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_cached_prices")]


def test_every_shipped_price_states_its_source_and_date():
    entries = json.loads(calls.DATA_FILE.read_text())["prices"]
    for entry in entries:
        assert entry["kind"] in calls.KINDS
        assert entry["source"] and dt.date.fromisoformat(entry["as_of"]) <= dt.date(2026, 11, 29)
        assert math.isfinite(entry["usd"]) and 0 <= entry["usd"] <= 1000
    # Every kind has a '*' entry, so every valid item is priced (an unnamed tool at 0).
    assert {entry["kind"] for entry in entries if entry["name"] == "*"} == set(calls.KINDS)
    keys = [(e["kind"], e["name"], e.get("size", "*"), e.get("quality", "*")) for e in entries]
    assert len(keys) == len(set(keys))


def test_usd_prices_become_exact_credits():
    price = calls.shipped().price(calls.CallItem("image", "gpt-image-1", 1, "1024x1024", "low"))
    assert price.credits == 11_000  # 0.011 x 1e6 in floats would be 11000.000000000002


def test_an_override_applies_from_its_effective_date_and_old_rows_keep_their_price(funded):
    start = timezone.now() + timedelta(hours=1)
    CallPriceOverride.objects.create(kind="web_search", name="*", price=25_000, effective_from=start)
    (before,) = services.spend_calls(user=funded, items=[{"kind": "web_search"}]).rows
    with time_machine.travel(start + timedelta(seconds=1)):
        (after,) = services.spend_calls(user=funded, items=[{"kind": "web_search"}]).rows
    assert (before.rate, after.rate) == (10_000, 25_000)
    before.refresh_from_db()
    assert (before.rate, before.token_value) == (10_000, -10_000)


def test_the_latest_override_for_an_entry_wins_and_specific_entries_still_beat_general_ones(funded):
    now = timezone.now()
    CallPriceOverride.objects.create(kind="image", name="dall-e-3", price=50_000, effective_from=now - timedelta(2))
    CallPriceOverride.objects.create(kind="image", name="dall-e-3", price=45_000, effective_from=now - timedelta(1))
    plain, wide_hd = services.spend_calls(
        user=funded,
        items=[
            {"kind": "image", "name": "dall-e-3"},
            {"kind": "image", "name": "dall-e-3", "size": "1792x1024", "quality": "hd"},
        ],
    ).rows
    assert (plain.rate, plain.value_key) == (45_000, "image:dall-e-3:*:*")
    assert wide_hd.rate == 120_000  # the shipped hd 1792x1024 entry names more options than the override


def test_an_override_prices_a_named_tool(funded):
    CallPriceOverride.objects.create(kind="tool", name="weather", price=500, note="house API, 0.0005 USD")
    weather, other = services.spend_calls(
        user=funded, items=[{"kind": "tool", "name": "weather-v2", "quantity": 4}, {"kind": "tool", "name": "clock"}]
    ).rows
    assert (weather.item, weather.value_key, weather.rate, weather.token_value) == (
        "tool:weather-v2", "tool:weather", 500, -2000
    )  # fmt: skip
    assert (other.rate, other.token_value) == (0, 0)  # counted, not charged
    assert Transaction.objects.filter(token_type="call").count() == 2


def test_an_edit_reaches_this_process_at_once(funded, settings):
    settings.LEDGER_PRICE_CACHE_SECONDS = 3600
    services.spend_calls(user=funded, items=[{"kind": "code_session"}])
    override = CallPriceOverride.objects.create(kind="code_session", price=60_000)
    (row,) = services.spend_calls(user=funded, items=[{"kind": "code_session"}]).rows
    assert row.rate == 60_000
    override.delete()
    (row,) = services.spend_calls(user=funded, items=[{"kind": "code_session"}]).rows
    assert row.rate == 30_000


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"kind": "image", "price": -1}, "price"),
        ({"kind": "image", "price": 10**9 + 1}, "price"),
        ({"kind": "web_search", "size": "1024x1024", "price": 1}, "__all__"),
        ({"kind": "image", "size": "10:24", "price": 1}, "size"),
    ],
)
def test_the_admin_form_refuses_bad_prices(fields, error_field):
    data = {"name": "*", "size": "*", "quality": "*", "effective_from": "2026-01-01 00:00:00", **fields}
    form = CallPriceOverrideForm(data=data)
    assert not form.is_valid()
    assert error_field in form.errors


def test_operators_add_a_call_price_in_the_admin(client, operator):
    client.force_login(operator)
    assert client.get("/admin/ledger/callpriceoverride/").status_code == 200
    response = client.post(
        "/admin/ledger/callpriceoverride/add/",
        {"kind": "web_search", "name": "openai", "size": "*", "quality": "*", "price": "12000",
         "effective_from_0": "2026-01-01", "effective_from_1": "00:00:00", "note": "new contract"},
    )  # fmt: skip
    assert response.status_code == 302, response.content[:2000]
    assert CallPriceOverride.objects.get().price == 12_000
