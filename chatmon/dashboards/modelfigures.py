"""Figures of LLM models and providers over a time range, from the generation rollups and the ledger's spends.

Definitions (docs/models.md states them for operators):
- requests: generations reported, every outcome; `attempted`: those that reached the provider (not `refused`).
- error rate: provider rate limits, timeouts, errors and content filters over attempted generations; each class
  has its own rate over the same denominator. Cancellation rate: cancelled over attempted.
- TTFT and duration percentiles: from the rollups' histograms, interpolated inside a bucket (histogram.py).
- output tokens per second: completion tokens over the time spent producing them (duration minus TTFT),
  summed over generations that produced output.
- prompt-cache hit ratio: cache-read tokens over prompt tokens.
- cost per request and per 1k output tokens: the ledger's token spends of the model's value key (credits over
  its prompt rows, and over its completion tokens / 1000). A provider's cost is its models' costs shared out
  by its share of each model's generations (exact when each model is served by one provider).
- thumbs-up share: thumbs up over all ratings given in the range; regeneration rate: regenerations over requests.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Sum
from django.db.models.functions import TruncDay, TruncHour

from chatmon.dashboards.histogram import percentile
from chatmon.dashboards.models import ModelUsageHour
from chatmon.monitoring import recent_generations
from chatmon.monitoring.generation_fields import (
    DURATION_FIELDS,
    ERROR_OUTCOMES,
    FIELDS,
    GENERATION_BUCKETS_MS,
    TTFT_FIELDS,
)
from chatmon.monitoring.generations import OTHER, model_label
from chatmon.monitoring.models import GenerationRollup
from ledger import selectors as ledger_selectors

Sums = dict[str, int]


@dataclass(frozen=True)
class Spend:
    credits: float = 0.0
    requests: float = 0.0  # prompt rows (a provider's share may be fractional)
    completion: float = 0.0


@dataclass(frozen=True)
class Figures:
    requests: int
    error_rate: float | None  # percent of attempted
    error_rates: dict[str, float | None]  # per ERROR_OUTCOMES class, percent of attempted
    cancellation_rate: float | None
    regeneration_rate: float | None
    ttft_p50: float | None
    ttft_p95: float | None
    ttft_p99: float | None
    duration_p50: float | None
    duration_p95: float | None
    duration_p99: float | None
    tokens_per_second: float | None
    cache_hit_ratio: float | None  # percent
    cost_per_request: float | None  # credits
    cost_per_1k_output: float | None  # credits
    thumbs_up_share: float | None  # percent of ratings
    ratings: int


def _share(part: float, whole: float, scale: float = 100.0, digits: int = 2) -> float | None:
    return round(part * scale / whole, digits) if whole else None


def _percentiles(sums: Sums, fields: tuple[str, ...]) -> list[float | None]:
    return [percentile(sums, q, GENERATION_BUCKETS_MS, fields) for q in (0.5, 0.95, 0.99)]


def figures(sums: Sums, spend: Spend | None = None) -> Figures:
    """Every figure of one model or provider from its summed rollup fields and its spend."""
    spend = spend or Spend()
    attempted = sums.get("count", 0) - sums.get("refused", 0)
    errors = sum(sums.get(name, 0) for name in ERROR_OUTCOMES)
    ratings = sums.get("thumbs_up", 0) + sums.get("thumbs_down", 0)
    ttft, duration = _percentiles(sums, TTFT_FIELDS), _percentiles(sums, DURATION_FIELDS)
    return Figures(
        requests=sums.get("count", 0),
        error_rate=_share(errors, attempted),
        error_rates={name: _share(sums.get(name, 0), attempted) for name in ERROR_OUTCOMES},
        cancellation_rate=_share(sums.get("cancelled", 0), attempted),
        regeneration_rate=_share(sums.get("regenerations", 0), sums.get("count", 0)),
        ttft_p50=ttft[0], ttft_p95=ttft[1], ttft_p99=ttft[2],
        duration_p50=duration[0], duration_p95=duration[1], duration_p99=duration[2],
        tokens_per_second=_share(sums.get("output_tokens", 0), sums.get("output_ms", 0), 1000.0, 1),
        cache_hit_ratio=_share(sums.get("cache_read_tokens", 0), sums.get("prompt_tokens", 0)),
        cost_per_request=_share(spend.credits, spend.requests, 1.0, 4),
        cost_per_1k_output=_share(spend.credits, spend.completion, 1000.0, 4),
        thumbs_up_share=_share(sums.get("thumbs_up", 0), ratings),
        ratings=ratings,
    )  # fmt: skip


def rows_since(since: dt.datetime, *, grain: str = "minute") -> dict[tuple[dt.datetime, str, str], Sums]:
    """Rollup sums per (period, model, provider) from `since`. By minute they include what is still in Redis
    (the last hour and alert windows, where the minutes not yet compacted matter); by "hour" or "day" the
    database groups the minutes (a month of minute rows is too many to fetch)."""
    if grain == "minute":
        return recent_generations.generation_minutes(since)
    trunc = {"hour": TruncHour, "day": TruncDay}[grain]
    rows = (
        GenerationRollup.objects.filter(minute__gte=since.replace(second=0, microsecond=0))
        .annotate(period=trunc("minute", tzinfo=dt.UTC))
        .values("period", "model", "provider")
        .annotate(**{name: Sum(name) for name in FIELDS})
        .order_by()
    )
    return {(row["period"], row["model"], row["provider"]): {name: row[name] or 0 for name in FIELDS} for row in rows}


def totals(rows: dict[tuple[dt.datetime, str, str], Sums], by: str) -> dict[str, Sums]:
    """The rows summed per model (`by="model"`) or per provider."""
    position = 1 if by == "model" else 2
    out: dict[str, Sums] = defaultdict(lambda: dict.fromkeys(FIELDS, 0))
    for key, sums in rows.items():
        row = out[key[position]]
        for name, value in sums.items():
            row[name] += value
    return dict(out)


def spends(since: dt.datetime, until: dt.datetime | None = None, *, hourly: bool = False) -> dict[str, Spend]:
    """The ledger's token spends per model label (value key; unpriced rows are "other", as in the rollups).

    With `hourly`, read from the usage rollup (ModelUsageHour, recomputed every minute) by whole hours, so a
    month costs a few thousand rollup rows rather than every ledger row; its models map to labels as
    generations do. Rows of models without a prompt row (image and tool models of priced calls) are left out,
    as the ledger read leaves call rows out."""
    out: dict[str, Spend] = {}
    for label, row in _hourly_spends(since, until) if hourly else _ledger_spends(since, until):
        before = out.get(label, Spend())
        out[label] = Spend(before.credits + row["credits"], before.requests + row["requests"],
                           before.completion + row["completion"])  # fmt: skip
    return out


def _ledger_spends(since: dt.datetime, until: dt.datetime | None):
    for key, row in ledger_selectors.token_spends_by_value_key(since=since, until=until).items():
        yield key or OTHER, row


def _hourly_spends(since: dt.datetime, until: dt.datetime | None):
    rows = ModelUsageHour.objects.filter(hour__gte=since.replace(minute=0, second=0, microsecond=0), requests__gt=0)
    if until is not None:
        rows = rows.filter(hour__lt=until)
    grouped = rows.values("model").annotate(
        credits=Sum("credits"), requests=Sum("requests"), completion=Sum("completion_tokens")
    )
    for row in grouped.order_by():
        yield (model_label(row["model"]) if row["model"] else OTHER), row


def provider_spends(rows: dict[tuple[dt.datetime, str, str], Sums], model_spends: dict[str, Spend]) -> dict:
    """Each model's spend shared out among its providers by their share of its generations."""
    per_pair: dict[tuple[str, str], int] = defaultdict(int)
    for (_, model, provider), sums in rows.items():
        per_pair[(model, provider)] += sums["count"]
    per_model: dict[str, int] = defaultdict(int)
    for (model, _), count in per_pair.items():
        per_model[model] += count
    out: dict[str, Spend] = {}
    for (model, provider), count in per_pair.items():
        spend = model_spends.get(model)
        if spend is None or not per_model[model]:
            continue
        share = count / per_model[model]
        before = out.get(provider, Spend())
        out[provider] = Spend(before.credits + spend.credits * share, before.requests + spend.requests * share,
                              before.completion + spend.completion * share)  # fmt: skip
    return out


def worst_model(since: dt.datetime, figure: str, subject: str = "") -> tuple[str, float] | None:
    """The model with the highest `figure` (a Figures attribute) since `since`, Redis's newest minutes included
    (the alert rules on models): only `subject` (a value key, or a model name mapped to its key) when given.
    None when no model has the figure in the window."""
    per_model = totals(rows_since(since), "model")
    if subject:
        key = subject if subject in per_model else model_label(subject)
        per_model = {key: per_model[key]} if key in per_model else {}
    values = {name: getattr(figures(sums), figure) for name, sums in per_model.items()}
    values = {name: value for name, value in values.items() if value is not None}
    if not values:
        return None
    name = max(values, key=values.get)
    return name, values[name]
