"""The columns of one generation rollup row (chatmon.monitoring.models.GenerationRollup), in one place.

The in-process buffer, the Redis hashes and the database rows all hold these integer counters, so Redis can add
them with HINCRBY and the dashboards can sum them over any range. Changing them needs a migration.
"""

from __future__ import annotations

import bisect

# Outcome classes of a generation. `refused` is our own refusal (balance, concurrency) before any provider call.
OUTCOMES = (
    "ok", "cancelled", "provider_rate_limit", "provider_timeout", "provider_error", "content_filter", "refused",
)  # fmt: skip
ERROR_OUTCOMES = ("provider_rate_limit", "provider_timeout", "provider_error", "content_filter")

# Upper bounds in milliseconds of the TTFT and duration histograms (plus an overflow bucket): LLM replies take
# from a few hundred milliseconds to minutes, so these reach further than the request latency buckets.
GENERATION_BUCKETS_MS = (100, 250, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500, 10000, 15000, 30000, 60000, 120000)
TTFT_FIELDS = (*(f"ttft_le_{bound}" for bound in GENERATION_BUCKETS_MS), "ttft_le_inf")
DURATION_FIELDS = (*(f"duration_le_{bound}" for bound in GENERATION_BUCKETS_MS), "duration_le_inf")
TOKEN_FIELDS = ("prompt_tokens", "completion_tokens", "cache_read_tokens", "cache_write_tokens")

FIELDS = (
    "count", *OUTCOMES, "regenerations",
    "ttft_count", "ttft_sum_ms", *TTFT_FIELDS,
    "duration_sum_ms", *DURATION_FIELDS,
    *TOKEN_FIELDS,
    # Completion tokens of the generations that produced output, and the time spent producing it
    # (duration minus TTFT): output tokens per second is their ratio.
    "output_tokens", "output_ms",
    "thumbs_up", "thumbs_down",
)  # fmt: skip
INDEX = {name: i for i, name in enumerate(FIELDS)}
WIDTH = len(FIELDS)


def bucket_index(fields: tuple[str, ...], duration_ms: float) -> int:
    """INDEX of the histogram bucket (of `fields`) holding `duration_ms`: the first bound >= it, else le_inf."""
    return INDEX[fields[bisect.bisect_left(GENERATION_BUCKETS_MS, duration_ms)]]
