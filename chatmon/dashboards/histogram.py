"""Percentiles from the rollups' latency histograms (non-cumulative bucket counts)."""

from __future__ import annotations

from collections.abc import Sequence

from chatmon.monitoring.aggregator import BUCKET_FIELDS, LATENCY_BUCKETS_MS


def percentile(
    counts: dict[str, int],
    q: float,
    bounds: Sequence[float] = LATENCY_BUCKETS_MS,
    fields: Sequence[str] = BUCKET_FIELDS,
) -> float | None:
    """The q-quantile in ms, interpolated linearly inside its bucket as Prometheus' histogram_quantile does;
    None with no requests. Requests above the last bound are reported at that bound (a lower limit).
    `bounds` and `fields` name another histogram's buckets (the generation rollups' TTFT and duration)."""
    total = sum(counts.get(name) or 0 for name in fields)
    if not total:
        return None
    rank = q * total
    seen, lower = 0, 0.0
    for bound, name in zip((*bounds, bounds[-1]), fields, strict=True):
        count = counts.get(name) or 0
        if count and seen + count >= rank:
            return round(lower + (bound - lower) * (rank - seen) / count, 1)
        seen += count
        lower = float(bound)
    return float(bounds[-1])
