"""Every derived model figure against values computed by hand (docs/models.md states the definitions)."""

from __future__ import annotations

import datetime as dt

import pytest

from chatmon.dashboards.modelfigures import Spend, figures, provider_spends, spends
from chatmon.monitoring.generation_fields import FIELDS
from ledger import services as ledger

SUMS = {
    **dict.fromkeys(FIELDS, 0),
    "count": 10, "ok": 6, "cancelled": 1, "provider_rate_limit": 1, "provider_error": 1, "refused": 1,
    "regenerations": 2,
    "ttft_count": 8, "ttft_le_250": 4, "ttft_le_500": 4,
    "duration_le_1000": 5, "duration_le_2000": 5,
    "prompt_tokens": 1000, "cache_read_tokens": 250, "output_tokens": 300, "output_ms": 6000,
    "thumbs_up": 3, "thumbs_down": 1,
}  # fmt: skip


def test_rates_are_over_the_generations_that_reached_the_provider():
    f = figures(SUMS)
    assert f.requests == 10
    assert f.error_rate == 22.22  # (1 rate limit + 1 error) / 9 attempted (one was our own refusal)
    assert f.error_rates == {"provider_rate_limit": 11.11, "provider_timeout": 0.0, "provider_error": 11.11,
                             "content_filter": 0.0}  # fmt: skip
    assert f.cancellation_rate == 11.11  # 1 / 9
    assert f.regeneration_rate == 20.0  # 2 / 10 requests


def test_percentiles_interpolate_inside_the_histogram_buckets():
    f = figures(SUMS)
    # TTFT: 4 in (100, 250], 4 in (250, 500]; p50 = rank 4 -> 100 + 150 * 4/4; p95 = rank 7.6 -> 250 + 250 * 3.6/4
    assert (f.ttft_p50, f.ttft_p95, f.ttft_p99) == (250.0, 475.0, 495.0)
    # Duration: 5 in (750, 1000], 5 in (1500, 2000]; p95 = rank 9.5 -> 1500 + 500 * 4.5/5
    assert (f.duration_p50, f.duration_p95, f.duration_p99) == (1000.0, 1950.0, 1990.0)


def test_speed_cache_and_feedback_figures():
    f = figures(SUMS)
    assert f.tokens_per_second == 50.0  # 300 tokens in 6 s of output
    assert f.cache_hit_ratio == 25.0  # 250 cache-read of 1000 prompt tokens
    assert (f.thumbs_up_share, f.ratings) == (75.0, 4)


def test_costs_come_from_the_spend():
    f = figures(SUMS, Spend(credits=90.0, requests=9, completion=300))
    assert f.cost_per_request == 10.0
    assert f.cost_per_1k_output == 300.0  # 90 credits / 0.3 thousand tokens


def test_no_data_is_no_figure_rather_than_zero():
    f = figures(dict.fromkeys(FIELDS, 0))
    assert (f.error_rate, f.ttft_p95, f.tokens_per_second, f.cost_per_request, f.thumbs_up_share) == (None,) * 5


def test_a_providers_cost_is_its_share_of_each_models_generations():
    minute = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    rows = {
        (minute, "m1", "A"): {"count": 3}, (minute, "m1", "B"): {"count": 1}, (minute, "m2", "B"): {"count": 2},
    }  # fmt: skip
    model_spends = {"m1": Spend(40.0, 4, 400), "m2": Spend(10.0, 2, 100)}
    out = provider_spends(rows, model_spends)
    assert out["A"] == Spend(30.0, 3.0, 300.0)
    assert out["B"] == Spend(20.0, 3.0, 200.0)


@pytest.mark.django_db
def test_spends_are_the_ledgers_token_rows_by_value_key(django_user_model):
    user = django_user_model.objects.create(username="spender")
    since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    first = ledger.spend_tokens(user=user, model="gpt-4o-mini", prompt_tokens=1000, completion_tokens=500)
    second = ledger.spend_tokens(user=user, model="gpt-4o-mini-2024-07-18", prompt_tokens=10, completion_tokens=20)
    ledger.spend_tokens(user=user, model="an-unpriced-model", prompt_tokens=10, completion_tokens=10)
    charged = -sum(row.token_value for result in (first, second) for row in (result.prompt, result.completion))

    out = spends(since)
    key = first.prompt.value_key
    assert out[key].requests == 2 and out[key].completion == 520
    assert out[key].credits == pytest.approx(charged)
    assert out["other"].requests == 1
    assert figures({}, out[key]).cost_per_request == round(charged / 2, 4)


def test_longer_ranges_read_the_same_spends_from_the_hourly_rollup(django_user_model):
    """Beyond the last hour the Models page reads ModelUsageHour (flat in the ledger's size): the same figures
    per label as the ledger rows, priced calls left out as the ledger read leaves them out."""
    from chatmon.dashboards.rollups import roll_up

    user = django_user_model.objects.create(username="spender")
    since = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    ledger.spend_tokens(user=user, model="gpt-4o-mini", prompt_tokens=1000, completion_tokens=500)
    ledger.spend_tokens(user=user, model="gpt-4o-mini-2024-07-18", prompt_tokens=10, completion_tokens=20)
    ledger.spend_tokens(user=user, model="an-unpriced-model", prompt_tokens=10, completion_tokens=10)
    ledger.spend_calls(user=user, items=[{"kind": "image", "name": "dall-e-3", "quantity": 2}])
    roll_up()

    hourly, raw = spends(since, hourly=True), spends(since)
    assert set(hourly) == set(raw)
    for label, spend in raw.items():
        assert (hourly[label].requests, hourly[label].completion) == (spend.requests, spend.completion)
        assert hourly[label].credits == pytest.approx(spend.credits)
