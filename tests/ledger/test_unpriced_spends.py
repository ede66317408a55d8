"""Price coverage: spends charged the default rate because no price matched their model, counted from the rows
themselves (nothing extra on the spend path)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from ledger import selectors, services
from ledger.models import PriceOverride

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_cached_prices")]


def since():
    return timezone.now() - timedelta(hours=1)


def test_it_counts_unpriced_spends_per_model_and_endpoint(member):
    services.spend_tokens(user=member, model="acme-llm-1", prompt_tokens=100, completion_tokens=10)
    services.spend_tokens(user=member, model="acme-llm-1", completion_tokens=10, context="incomplete")
    services.spend_structured_tokens(user=member, model="acme-llm-1", prompt_tokens={"input": 10, "read": 20})
    services.spend_tokens(user=member, model="acme-llm-1", prompt_tokens=5, endpoint="acme-cloud")
    services.spend_tokens(user=member, model="gpt-4o", prompt_tokens=100)  # priced
    services.spend_tokens(user=member, model="some-model-8k", prompt_tokens=100)  # LibreChat's legacy 8k price
    services.spend_calls(user=member, items=[{"kind": "web_search", "name": "acme-llm-1", "quantity": 1}])

    rows = {(row["model"], row["endpoint"]): row for row in selectors.unpriced_spends(since=since())}

    assert set(rows) == {("acme-llm-1", None), ("acme-llm-1", "acme-cloud")}
    plain = rows["acme-llm-1", None]
    # 100 x 6 + 10 x 6 + ceil(-10 x 6 x 1.15 = -69) + 30 x 6 = 600 + 60 + 69 + 180
    assert (plain["rows"], plain["tokens"], plain["credits"]) == (4, 150.0, 909.0)
    assert plain["first_at"] <= plain["last_at"]
    assert rows["acme-llm-1", "acme-cloud"]["credits"] == 30.0


def test_a_model_priced_by_its_endpoint_or_free_is_not_unpriced(member, settings):
    settings.LEDGER_FREE_ENDPOINTS = ["ollama"]
    config = {"house-llm": {"prompt": 0.1, "completion": 0.2}}
    services.spend_tokens(user=member, model="house-llm", prompt_tokens=100, endpoint_token_config=config)
    services.spend_tokens(user=member, model="llama3:8b", prompt_tokens=100, endpoint="ollama")

    assert list(selectors.unpriced_spends(since=since())) == []


def test_a_price_added_later_stops_the_count_and_past_rows_stay_counted(member):
    services.spend_tokens(user=member, model="acme-llm-1", prompt_tokens=100)
    assert selectors.current_value_key("acme-llm-1") is None
    PriceOverride.objects.create(pattern="acme-llm", prompt=0.5, completion=1.5)

    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        priced = services.spend_tokens(user=member, model="acme-llm-1", prompt_tokens=100)
        assert selectors.current_value_key("acme-llm-1") == "acme-llm"
    assert priced.prompt.value_key == "acme-llm"
    [row] = selectors.unpriced_spends(since=since())
    assert (row["model"], row["rows"], row["credits"]) == ("acme-llm-1", 1, 600.0)
