"""The Models page: each model's speed, errors, cache use, cost and feedback side by side, a drill-down into one
model (?model=) and a comparison of two (?compare=a,b); and the Overview's models panel.

Figures are defined in chatmon/dashboards/modelfigures.py; rows come from the generation rollups (minute rows
with what is still in Redis for the last hour, grouped by hour or day beyond) and costs from the ledger.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse

from chatmon.dashboards import modelfigures as mf
from chatmon.dashboards.panels import Link, Panel
from chatmon.dashboards.ranges import Range
from chatmon.dashboards.selectors.common import grain
from chatmon.dashboards.sparkline import Sparkline
from chatmon.monitoring.generation_fields import ERROR_OUTCOMES, OUTCOMES
from chatmon.monitoring.generations import model_label
from chatmon.monitoring.models import MessageFeedback
from ledger import money

COMMENTS = 20  # latest feedback texts shown in a model's drill-down


@dataclass(frozen=True)
class Data:
    """One read of the range: rollup rows, per-model and per-provider sums, and the spends."""

    rows: dict
    models: dict[str, mf.Sums]
    providers: dict[str, mf.Sums]
    model_spends: dict[str, mf.Spend]
    provider_spends: dict[str, mf.Spend]


def _period(r: Range) -> str:
    return "day" if r.step >= dt.timedelta(days=1) else grain(r)


def read(r: Range) -> Data:
    rows = {key: sums for key, sums in mf.rows_since(r.start, grain=_period(r)).items() if key[0] < r.end}
    model_spends = mf.spends(r.start, r.end, hourly=not r.minute_grain)
    return Data(rows, mf.totals(rows, "model"), mf.totals(rows, "provider"), model_spends,
                mf.provider_spends(rows, model_spends))  # fmt: skip


def _key(name: str, data: Data) -> str:
    """The rows' name for `name`: itself, or for a model's own name ("gpt-4o-2024-08-06") its price key."""
    return model_label(name) if name not in data.models and model_label(name) in data.models else name


def model_link(name: str, r: Range) -> Link:
    return Link(name, f"{reverse('dashboards:models')}?{urlencode({**r.params, 'model': name}, safe=':')}")


def _trend(r: Range, data: Data, name: str) -> Sparkline:
    per_bucket = dict.fromkeys(r.buckets(), 0)
    for (period, model, _), sums in data.rows.items():
        bucket = r.bucket(period)
        if model == name and bucket in per_bucket:
            per_bucket[bucket] += sums["count"]
    return Sparkline(tuple(per_bucket.values()), f"{name}: requests per {_period(r)}")


def _cost_cells(f: mf.Figures) -> list:
    return [f.cost_per_request, None if f.cost_per_request is None else money.round_money(f.cost_per_request),
            f.cost_per_1k_output]  # fmt: skip


def table_columns() -> list[str]:
    return ["requests", "error rate %", "TTFT p50 ms", "TTFT p95 ms", "duration p95 ms", "output tokens/s",
            "cache hit %", "cost/request", f"cost/request {money.currency_label()}", "cost/1k output",
            "thumbs up %", "regenerated %", "cancelled %"]  # fmt: skip


COST_FORMATS = {8: "credits", 9: "money", 10: "credits"}  # column indexes with the name column first


def _table_row(f: mf.Figures) -> list:
    return [f.requests, f.error_rate, f.ttft_p50, f.ttft_p95, f.duration_p95, f.tokens_per_second, f.cache_hit_ratio,
            *_cost_cells(f), f.thumbs_up_share, f.regeneration_rate, f.cancellation_rate]  # fmt: skip


def models_panel(r: Range, data: Data | None = None) -> Panel:
    data = data or read(r)
    names = sorted(data.models, key=lambda name: -data.models[name]["count"])
    # The trend sits beside the name, so a phone shows it before the table scrolls sideways.
    rows = [[model_link(name, r), _trend(r, data, name),
             *_table_row(mf.figures(data.models[name], data.model_spends.get(name)))] for name in names]  # fmt: skip
    columns = ["model", "requests trend", *table_columns()]
    note = (
        'Models by the price table\'s key ("other": models it does not price). Rates are of the generations '
        "that reached the provider; costs are the ledger's token spends. A model links to its drill-down."
    )
    formats = {index + 1: kind for index, kind in COST_FORMATS.items()}  # shifted by the trend column
    return Panel("models", "Models", columns, rows, note=note, formats=formats, wide=True)


def providers_panel(r: Range, data: Data | None = None) -> Panel:
    data = data or read(r)
    names = sorted(data.providers, key=lambda name: -data.providers[name]["count"])
    rows = [[name, *_table_row(mf.figures(data.providers[name], data.provider_spends.get(name)))] for name in names]
    note = "A provider's cost is each model's cost shared out by the provider's share of that model's generations."
    return Panel("providers", "Providers", ["provider", *table_columns()], rows, note=note, formats=COST_FORMATS,
                 wide=True)  # fmt: skip


def speed_panel(r: Range, data: Data | None = None) -> Panel:
    """Each model's TTFT and duration percentiles as bars: which model is slow to start, which to finish."""
    data = data or read(r)
    rows = []
    for name in sorted(data.models, key=lambda name: -data.models[name]["count"]):
        f = mf.figures(data.models[name])
        rows.append([model_link(name, r), f.ttft_p50, f.ttft_p95, f.duration_p50, f.duration_p95])
    columns = ["model", "TTFT p50 ms", "TTFT p95 ms", "duration p50 ms", "duration p95 ms"]
    return Panel("model-speed", "Time to first token and duration", columns, rows, "bar")


def error_panel(r: Range, data: Data | None = None) -> Panel:
    data = data or read(r)
    rows = []
    for name in sorted(data.models, key=lambda name: -data.models[name]["count"]):
        f = mf.figures(data.models[name])
        rows.append([model_link(name, r), *(f.error_rates[kind] for kind in ERROR_OUTCOMES), f.cancellation_rate,
                     data.models[name]["refused"]])  # fmt: skip
    columns = ["model", *(f"{kind.replace('_', ' ')} %" for kind in ERROR_OUTCOMES), "cancelled %", "refused"]
    return Panel(
        "model-errors",
        "Errors by class",
        columns,
        rows,
        "bar",
        series=[1, 2, 3, 4],
        note="Refused: our own refusals (balance, concurrency) before the provider was called.",
    )


def overview_panel(r: Range) -> Panel:
    """The Overview's summary: the busiest models' speed, errors and cost."""
    data = read(r)
    names = sorted(data.models, key=lambda name: -data.models[name]["count"])[:6]
    rows = []
    for name in names:
        f = mf.figures(data.models[name], data.model_spends.get(name))
        rows.append([model_link(name, r), f.requests, f.error_rate, f.ttft_p95, *_cost_cells(f)[:2]])
    columns = [
        "model",
        "requests",
        "error rate %",
        "TTFT p95 ms",
        "cost/request",
        f"cost/request {money.currency_label()}",
    ]
    return Panel("models-overview", "Models", columns, rows, note="The Models page has every figure.",
                 formats={4: "credits", 5: "money"})  # fmt: skip


def page_panels(r: Range) -> list[Panel]:
    """The page's panels: every model and provider, or one model's drill-down when the range's filters name it
    (?model=, chatmon/dashboards/filters.py)."""
    if r.filters.model:
        return detail_panels(r, r.filters.model)
    data = read(r)
    return [models_panel(r, data), speed_panel(r, data), error_panel(r, data), providers_panel(r, data)]


def detail_panels(r: Range, name: str) -> list[Panel]:
    """One model over the range: its figures over time, its outcomes, its feedback tags and comments."""
    data = read(r)
    name = _key(name, data)
    buckets = {b: dict.fromkeys(data.models.get(name, {"count": 0}), 0) for b in r.buckets()}
    for (period, model, _), sums in data.rows.items():
        bucket = r.bucket(period)
        if model == name and bucket in buckets:
            for field, value in sums.items():
                buckets[bucket][field] = buckets[bucket].get(field, 0) + value
    timeline, latency = [], []
    for bucket, sums in buckets.items():
        f = mf.figures(sums)
        timeline.append([r.label_of(bucket), sums.get("count", 0), f.error_rate])
        latency.append([r.label_of(bucket), f.ttft_p50, f.ttft_p95, f.duration_p95])
    totals = data.models.get(name, {})
    outcomes = [[kind, totals.get(kind, 0)] for kind in OUTCOMES]
    summary = mf.figures(totals, data.model_spends.get(name))
    return [
        Panel("model-figures", f"{name}: figures over {r.label}", ["figure", "value"],
              [[label, getattr(summary, attribute)] for label, attribute in COMPARED]),
        Panel("model-timeline", f"{name}: requests and error rate", ["time", "requests", "error rate %"], timeline,
              "line", timeline=True),
        Panel("model-latency", f"{name}: TTFT and duration (ms)", ["time", "TTFT p50", "TTFT p95", "duration p95"],
              latency, "line", timeline=True),
        Panel("model-outcomes", f"{name}: outcomes", ["outcome", "generations"], outcomes, "bar"),
        *_feedback_panels(r, name),
    ]  # fmt: skip


def _feedback_panels(r: Range, name: str) -> list[Panel]:
    ratings = MessageFeedback.objects.filter(model=name, created_at__gte=r.start, created_at__lte=r.end)
    tags = ratings.values("rating", "tag").annotate(n=Count("pk")).order_by("-n")
    comments = ratings.exclude(text="").order_by("-created_at")[:COMMENTS]
    return [
        Panel("model-feedback", f"{name}: feedback tags", ["rating", "tag", "ratings"],
              [[row["rating"], row["tag"] or "(none)", row["n"]] for row in tags]),
        Panel("model-comments", f"{name}: latest comments", ["time", "rating", "tag", "comment"],
              [[row.created_at.strftime("%Y-%m-%d %H:%M"), row.rating, row.tag, row.text] for row in comments],
              wide=True),
    ]  # fmt: skip


COMPARED = [
    ("requests", "requests"), ("error rate %", "error_rate"), ("TTFT p50 ms", "ttft_p50"),
    ("TTFT p95 ms", "ttft_p95"), ("TTFT p99 ms", "ttft_p99"), ("duration p50 ms", "duration_p50"),
    ("duration p95 ms", "duration_p95"), ("duration p99 ms", "duration_p99"),
    ("output tokens/s", "tokens_per_second"), ("cache hit %", "cache_hit_ratio"),
    ("cost/request (credits)", "cost_per_request"), ("cost/1k output (credits)", "cost_per_1k_output"),
    ("thumbs up %", "thumbs_up_share"), ("regenerated %", "regeneration_rate"), ("cancelled %", "cancellation_rate"),
]  # fmt: skip


def compare_panel(r: Range, first: str, second: str) -> Panel:
    """Two models' figures side by side, with the second's as a multiple of the first's."""
    data = read(r)
    first, second = _key(first, data), _key(second, data)
    a = mf.figures(data.models.get(first, {}), data.model_spends.get(first))
    b = mf.figures(data.models.get(second, {}), data.model_spends.get(second))
    rows = []
    for label, attribute in COMPARED:
        x, y = getattr(a, attribute), getattr(b, attribute)
        rows.append([label, x, y, round(y / x, 2) if x and y is not None else None])
    return Panel("compare", f"{first} and {second}", ["figure", first, second, f"{second} / {first}"], rows,
                 note="The last column is the second model's figure as a multiple of the first's.")  # fmt: skip


def known_models(r: Range) -> list[str]:
    return sorted(read(r).models)
