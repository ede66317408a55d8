"""Recording one LLM generation: its outcome, speed and tokens, per model and provider, with no network call.

`record_generation(report)` adds the report to this process's rollup buffer (one row per minute, model and
provider: chatmon.monitoring.aggregator) and to its batched Prometheus metrics; the flusher thread sends both on
(Redis every few seconds, then compaction into GenerationRollup rows), exactly as request monitoring does.

Labels stay bounded: the model is the price table's value key (with operators' price overrides), "other" for a
model the table does not price, and the provider one of MONITORING_GENERATION_PROVIDERS or "other".
"""

from __future__ import annotations

import functools
import logging
import math
import time
from dataclasses import dataclass

from django.utils import timezone

from chatmon.monitoring import conf, flusher
from chatmon.monitoring.aggregator import buffer
from chatmon.monitoring.batched import generation_metrics
from chatmon.monitoring.generation_fields import (
    DURATION_FIELDS,
    INDEX,
    OUTCOMES,
    TOKEN_FIELDS,
    TTFT_FIELDS,
    bucket_index,
)
from ledger.overrides import table_at
from ledger.pricing import PriceTable

log = logging.getLogger(__name__)

OTHER = "other"
MAX_TOKENS = 10**9  # one generation's tokens of one kind; more is a caller's bug, refused
MAX_MS = 24 * 3600 * 1000.0  # a day: longer is a caller's bug (or a unit mistake), refused


@dataclass(frozen=True)
class GenerationReport:
    """One generation as the chat app saw it. `ttft_ms` is None when no token came (a refusal, an early error);
    `provider` is the endpoint (LibreChat's `endpoint`: openAI, anthropic, a custom endpoint's name);
    `regeneration`: the user asked for this reply again (LibreChat's isRegenerate)."""

    model: str
    provider: str
    outcome: str
    duration_ms: float
    ttft_ms: float | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    request_id: str = ""
    regeneration: bool = False

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, not {self.outcome!r}")
        for name in ("duration_ms", "ttft_ms"):
            value = getattr(self, name)
            if value is None and name == "ttft_ms":
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= MAX_MS:
                raise ValueError(f"{name} must be a number of milliseconds from 0 to {MAX_MS:.0f}, not {value!r}")
        for name in TOKEN_FIELDS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TOKENS:
                raise ValueError(f"{name} must be a whole number from 0 to {MAX_TOKENS}, not {value!r}")


def model_label(model: str) -> str:
    """The model's value key in the price table in force now, operators' price overrides included: a model
    priced only by an override counts under its pattern, as its spends do (the model figures join the two on
    it). Overrides are operator-defined, so the labels stay bounded."""
    return _label(table_at(timezone.now()), model)


@functools.lru_cache(maxsize=1024)  # per generation: match each model against a table once
def _label(table: PriceTable, model: str) -> str:
    # Without the endpoint: LibreChat's quirk (an endpoint named like a price key skips matching) would fold a
    # priced model into "other" here.
    return table.value_key(model) or OTHER


def provider_label(provider: str | None) -> str:
    return _providers(tuple(conf.generation_providers())).get((provider or "").lower(), OTHER)


@functools.lru_cache(maxsize=4)  # per generation: build the lookup once per setting's value, not per call
def _providers(names: tuple[str, ...]) -> dict[str, str]:
    return {name.lower(): name for name in names}


REFUSED = "refused"


def duration_of(report: GenerationReport) -> float | None:
    """The generation's duration in seconds for the duration histograms; None for our own refusal, which never
    reached the provider: its near-zero time would pull a model's duration percentiles below its time to first
    token (on the demo, where balance and policy refusals are common, a model's p50 read 100 ms against a TTFT
    of 600). Refusals are still counted, as requests and in their own column."""
    return None if report.outcome == REFUSED else report.duration_ms / 1000


def counters_of(report: GenerationReport) -> dict[int, int]:
    """The report as additions to a rollup row (generation_fields.INDEX -> amount)."""
    counters = {INDEX["count"]: 1, INDEX[report.outcome]: 1, INDEX["regenerations"]: int(report.regeneration)}
    if report.outcome != REFUSED:  # a duration is the provider's: see duration_of
        counters[INDEX["duration_sum_ms"]] = round(report.duration_ms)
        counters[bucket_index(DURATION_FIELDS, report.duration_ms)] = 1
    if report.ttft_ms is not None:
        counters[INDEX["ttft_count"]] = 1
        counters[INDEX["ttft_sum_ms"]] = round(report.ttft_ms)
        counters[bucket_index(TTFT_FIELDS, report.ttft_ms)] = 1
    for name in TOKEN_FIELDS:
        counters[INDEX[name]] = getattr(report, name)
    output_ms = report.duration_ms - (report.ttft_ms or 0)
    # Tokens per second counts only replies that streamed for a measurable time after their first token.
    if report.completion_tokens and output_ms >= 1:
        counters[INDEX["output_tokens"]] = report.completion_tokens
        counters[INDEX["output_ms"]] = round(output_ms)
    return counters


def record_generation(report: GenerationReport, *, at: float | None = None) -> None:
    """Count one generation in this process (`at`: its end as a Unix time, default now). No network call: it
    reaches Redis with the next flush and the database with the next compaction."""
    if not conf.generations_enabled():
        return
    model, provider = model_label(report.model), provider_label(report.provider)
    now = time.time() if at is None else at
    if not math.isfinite(now):
        raise ValueError(f"at must be a finite Unix time, not {at!r}")
    buffer.add_generation(now=now, model=model, provider=provider, counters=counters_of(report))
    generation_metrics.record(
        model=model, provider=provider, outcome=report.outcome,
        ttft_s=None if report.ttft_ms is None else report.ttft_ms / 1000, duration_s=duration_of(report),
        tokens={"prompt": report.prompt_tokens, "completion": report.completion_tokens,
                "cache_read": report.cache_read_tokens, "cache_write": report.cache_write_tokens},
    )  # fmt: skip
    if report.outcome != "ok" and log.isEnabledFor(logging.INFO):
        # The one place the request id is kept: failed generations are rare, and their log line ties the
        # rollup's count to the request (and its trace) that saw the failure.
        log.info("generation %s: model=%s provider=%s request_id=%s", report.outcome, model, provider,
                 report.request_id)  # fmt: skip
    flusher.ensure_started()
