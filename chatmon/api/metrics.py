"""Prometheus metrics of the HTTP API (module level; labels are fixed small sets, never key names or users)."""

from __future__ import annotations

from prometheus_client import Counter

AUTH_FAILURES = Counter(
    "chatmon_api_auth_failures_total", "API requests refused: no key, a bad key, a missing scope, another source.",
    ["reason"],
)  # fmt: skip
THROTTLED = Counter("chatmon_api_throttled_total", "API requests refused because their key hit its rate limit.")
IDEMPOTENT_REPLAYS = Counter(
    "chatmon_api_idempotent_replays_total", "Writes answered from a stored response of the same Idempotency-Key."
)
BATCH_ITEMS = Counter(
    "chatmon_api_batch_items_total", "Items of batch requests by endpoint and outcome (ok, error).",
    ["endpoint", "outcome"],
)  # fmt: skip
