"""Prometheus metrics of request monitoring, Celery tasks and processes (module level, bounded labels).

Labels are route templates (never raw paths), methods, status classes, task and queue names: small fixed
sets. Gauges name their multiprocess mode so that /metrics sums live gunicorn workers correctly.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
SIZE_BUCKETS = (256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304)

REQUESTS = Counter(
    "chatmon_http_requests_total", "HTTP requests by route template, method and status class.",
    ["route", "method", "status_class"],
)  # fmt: skip
REQUEST_DURATION = Histogram(
    "chatmon_http_request_duration_seconds", "Time from request start to the last byte of the response.",
    ["route", "method"], buckets=LATENCY_BUCKETS,
)  # fmt: skip
IN_FLIGHT = Gauge(
    "chatmon_http_requests_in_flight", "Requests being served now (streams until their last byte).",
    multiprocess_mode="livesum",
)  # fmt: skip
STREAM_TTFB = Histogram(
    "chatmon_http_stream_ttfb_seconds", "Time to the first byte of a streaming response.",
    ["route"], buckets=LATENCY_BUCKETS,
)  # fmt: skip
STREAM_BYTES = Histogram(
    "chatmon_http_stream_bytes", "Bytes sent by one streaming response.", ["route"], buckets=SIZE_BUCKETS
)
STREAM_DISCONNECTS = Counter(
    "chatmon_http_stream_disconnects_total", "Streaming responses the client left before the last byte.", ["route"]
)

TASK_RUNS = Counter(
    "chatmon_celery_task_runs_total", "Celery task runs by task name and outcome (success, failure, retry).",
    ["task", "outcome"],
)  # fmt: skip
TASK_DURATION = Histogram(
    "chatmon_celery_task_duration_seconds", "Celery task run time by task name.", ["task"], buckets=LATENCY_BUCKETS
)

PROCESS_MEMORY = Gauge(
    "chatmon_process_resident_memory_bytes", "Resident memory of live chatmon processes, summed per kind.",
    ["kind"], multiprocess_mode="livesum",
)  # fmt: skip
PROCESS_CPU = Counter(
    "chatmon_process_cpu_seconds_total", "CPU time (user + system) used by chatmon processes, per kind.", ["kind"]
)
PROCESSES = Gauge(
    "chatmon_processes", "Live chatmon processes reporting metrics, per kind.", ["kind"], multiprocess_mode="livesum"
)

FEATURE_EVENTS = Counter(
    "chatmon_feature_events_total", "Named feature events (chatmon.monitoring.events.record_feature_event).", ["name"]
)
FLUSHES = Counter("chatmon_monitoring_flushes_total", "Rollup flushes to Redis by outcome.", ["outcome"])
# In seconds, Prometheus' base unit (promtool check metrics): 60 for each minute of rollups dropped.
DROPPED_SECONDS = Counter(
    "chatmon_monitoring_dropped_seconds_total", "Seconds of rollups dropped because Redis stayed unreachable."
)

# LLM generations (chatmon.monitoring.generations). `model` is the price table's value key ("other" when the
# model has no price), `provider` one of MONITORING_GENERATION_PROVIDERS or "other": bounded label sets.
# The histograms leave out `outcome` (7 x 16 buckets per model would be mostly empty series); the counter has it.
GENERATION_BUCKETS = (0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 7.5, 10.0, 15.0, 30.0, 60.0, 120.0)
GENERATIONS = Counter(
    "chatmon_llm_generations_total", "LLM generations by model (value key), provider and outcome class.",
    ["model", "provider", "outcome"],
)  # fmt: skip
GENERATION_TTFT = Histogram(
    "chatmon_llm_time_to_first_token_seconds", "Time from the provider call to its first token.",
    ["model", "provider"], buckets=GENERATION_BUCKETS,
)  # fmt: skip
GENERATION_DURATION = Histogram(
    "chatmon_llm_generation_duration_seconds", "Time from the provider call to its last token (or its failure).",
    ["model", "provider"], buckets=GENERATION_BUCKETS,
)  # fmt: skip
GENERATION_TOKENS = Counter(
    "chatmon_llm_tokens_total", "Tokens of LLM generations by type (prompt, completion, cache_read, cache_write).",
    ["model", "provider", "type"],
)  # fmt: skip
FEEDBACK = Counter(
    "chatmon_llm_feedback_total", "Ratings of replies (thumbsUp, thumbsDown) by model and provider.",
    ["model", "provider", "rating"],
)  # fmt: skip
