"""Rollups that dashboards read instead of raw rows (written only by chatmon.monitoring.compaction)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class RequestRollup(models.Model):
    """Requests of one route and method in one minute: enough for rates, error rates and percentiles.

    `le_<N>` columns are a latency histogram in milliseconds, NOT cumulative: each request adds 1 to the
    smallest bucket whose bound it does not exceed (`le_inf`: above 10 s); the bounds are
    aggregator.LATENCY_BUCKETS_MS. Sum them over any range of rows for percentiles without raw rows.
    """

    minute = models.DateTimeField(help_text="Start of the minute (UTC).")
    route = models.CharField(max_length=255, help_text="URL pattern, never the raw path.")
    method = models.CharField(max_length=8)
    count = models.BigIntegerField(default=0)
    errors = models.BigIntegerField(default=0, help_text="Responses with status 500 and above.")
    client_errors = models.BigIntegerField(default=0, help_text="Responses with status 400-499.")
    duration_sum_us = models.BigIntegerField(default=0, help_text="Sum of durations to the last byte, µs.")
    le_5 = models.BigIntegerField(default=0)
    le_10 = models.BigIntegerField(default=0)
    le_25 = models.BigIntegerField(default=0)
    le_50 = models.BigIntegerField(default=0)
    le_100 = models.BigIntegerField(default=0)
    le_250 = models.BigIntegerField(default=0)
    le_500 = models.BigIntegerField(default=0)
    le_1000 = models.BigIntegerField(default=0)
    le_2500 = models.BigIntegerField(default=0)
    le_5000 = models.BigIntegerField(default=0)
    le_10000 = models.BigIntegerField(default=0)
    le_inf = models.BigIntegerField(default=0)
    streams = models.BigIntegerField(default=0, help_text="Streaming responses among `count`.")
    ttfb_sum_us = models.BigIntegerField(default=0, help_text="Sum of streams' time to first byte, µs.")
    bytes_sent = models.BigIntegerField(default=0, help_text="Bytes sent by streaming responses.")
    disconnects = models.BigIntegerField(default=0, help_text="Streams the client left before the end.")

    class Meta:
        db_table = "chatmon_requestrollup"
        constraints = [models.UniqueConstraint(fields=["minute", "route", "method"], name="request_rollup_key")]
        indexes = [models.Index(fields=["minute"], name="request_rollup_minute")]

    def __str__(self) -> str:
        return f"{self.minute:%Y-%m-%d %H:%M} {self.method} {self.route} x{self.count}"


class DailyCount(models.Model):
    """A per-day count: requests by browser or OS family, and named feature events."""

    class Kind(models.TextChoices):
        BROWSER = "browser", "browser family"
        OS = "os", "OS family"
        FEATURE = "feature", "feature event"

    day = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=100)
    count = models.BigIntegerField(default=0)

    class Meta:
        db_table = "chatmon_dailycount"
        constraints = [models.UniqueConstraint(fields=["day", "kind", "name"], name="daily_count_key")]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.name}: {self.count}"


class ActiveUsers(models.Model):
    """Distinct signed-in users in one minute or one day (a HyperLogLog estimate, about 1% error)."""

    class Resolution(models.TextChoices):
        MINUTE = "minute", "minute"
        DAY = "day", "day"

    resolution = models.CharField(max_length=6, choices=Resolution.choices)
    period = models.DateTimeField(help_text="Start of the minute or day (UTC).")
    users = models.BigIntegerField(default=0)

    class Meta:
        db_table = "chatmon_activeusers"
        constraints = [models.UniqueConstraint(fields=["resolution", "period"], name="active_users_key")]
        verbose_name_plural = "active users"

    def __str__(self) -> str:
        return f"{self.resolution} {self.period:%Y-%m-%d %H:%M}: {self.users}"


class CompactedBatch(models.Model):
    """A claimed Redis batch already added to the rollups: written in the same transaction as the rows,
    so compacting the same batch again (a rerun, a second worker) adds nothing."""

    key = models.CharField(max_length=200, unique=True)
    compacted_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        db_table = "chatmon_compactedbatch"

    def __str__(self) -> str:
        return self.key


def _counter(help_text: str = "") -> models.BigIntegerField:
    return models.BigIntegerField(default=0, help_text=help_text)


class GenerationRollup(models.Model):
    """LLM generations of one model (the price table's value key, "other" when unpriced) and provider in one
    minute, written by compaction from what chatmon.monitoring.generations buffered.

    `ttft_le_<N>` and `duration_le_<N>` are histograms in milliseconds, NOT cumulative (as RequestRollup's
    `le_<N>`), with bounds generation_fields.GENERATION_BUCKETS_MS: sum them over any range for percentiles.
    The columns are generation_fields.FIELDS.
    """

    minute = models.DateTimeField(help_text="Start of the minute (UTC).")
    model = models.CharField(max_length=100, help_text='The price table\'s value key, or "other".')
    provider = models.CharField(max_length=50, help_text='The endpoint or provider label, or "other".')
    count = _counter("Generations reported (every outcome).")
    ok = _counter("Generations whose outcome was ok.")
    cancelled = _counter("Generations whose outcome was cancelled.")
    provider_rate_limit = _counter("Generations whose outcome was provider_rate_limit.")
    provider_timeout = _counter("Generations whose outcome was provider_timeout.")
    provider_error = _counter("Generations whose outcome was provider_error.")
    content_filter = _counter("Generations whose outcome was content_filter.")
    refused = _counter("Generations whose outcome was refused.")
    regenerations = _counter("Generations that regenerated an earlier reply.")
    ttft_count = _counter("Generations that produced a first token.")
    ttft_sum_ms = _counter("Sum of times to first token, ms.")
    ttft_le_100 = _counter()
    ttft_le_250 = _counter()
    ttft_le_500 = _counter()
    ttft_le_750 = _counter()
    ttft_le_1000 = _counter()
    ttft_le_1500 = _counter()
    ttft_le_2000 = _counter()
    ttft_le_3000 = _counter()
    ttft_le_5000 = _counter()
    ttft_le_7500 = _counter()
    ttft_le_10000 = _counter()
    ttft_le_15000 = _counter()
    ttft_le_30000 = _counter()
    ttft_le_60000 = _counter()
    ttft_le_120000 = _counter()
    ttft_le_inf = _counter()
    duration_sum_ms = _counter("Sum of total durations, ms.")
    duration_le_100 = _counter()
    duration_le_250 = _counter()
    duration_le_500 = _counter()
    duration_le_750 = _counter()
    duration_le_1000 = _counter()
    duration_le_1500 = _counter()
    duration_le_2000 = _counter()
    duration_le_3000 = _counter()
    duration_le_5000 = _counter()
    duration_le_7500 = _counter()
    duration_le_10000 = _counter()
    duration_le_15000 = _counter()
    duration_le_30000 = _counter()
    duration_le_60000 = _counter()
    duration_le_120000 = _counter()
    duration_le_inf = _counter()
    prompt_tokens = _counter()
    completion_tokens = _counter()
    cache_read_tokens = _counter()
    cache_write_tokens = _counter()
    output_tokens = _counter("Completion tokens of generations that produced output.")
    output_ms = _counter("Time spent producing that output (duration minus TTFT), ms.")
    thumbs_up = _counter("Thumbs-up feedback given in this minute.")
    thumbs_down = _counter("Thumbs-down feedback given in this minute.")

    class Meta:
        db_table = "chatmon_generationrollup"
        constraints = [models.UniqueConstraint(fields=["minute", "model", "provider"], name="generation_rollup_key")]
        indexes = [models.Index(fields=["minute"], name="generation_rollup_minute")]

    def __str__(self) -> str:
        return f"{self.minute:%Y-%m-%d %H:%M} {self.model} via {self.provider} x{self.count}"


class MessageFeedback(models.Model):
    """A user's rating of one reply, as LibreChat stores it on the message (`feedback`: rating, tag, text).

    One row per message and source (the chat app's, or an API key's), so a changed rating replaces the old one;
    the per-model counts in GenerationRollup follow the change (chatmon.monitoring.feedback).
    """

    class Rating(models.TextChoices):
        UP = "thumbsUp", "thumbs up"
        DOWN = "thumbsDown", "thumbs down"

    source = models.CharField(max_length=50, help_text="Whose message ids these are (an API key's source).")
    message_id = models.CharField(max_length=200)
    model = models.CharField(max_length=100, help_text='The price table\'s value key, or "other".')
    provider = models.CharField(max_length=50)
    rating = models.CharField(max_length=10, choices=Rating.choices)
    tag = models.CharField(max_length=40, blank=True, help_text="LibreChat's feedback tag, without its prefix.")
    text = models.TextField(blank=True)
    user_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        db_table = "chatmon_messagefeedback"
        constraints = [models.UniqueConstraint(fields=["source", "message_id"], name="message_feedback_key")]
        indexes = [models.Index(fields=["model", "created_at"], name="message_feedback_model_time")]
        verbose_name_plural = "message feedback"

    def __str__(self) -> str:
        return f"{self.message_id} {self.rating} {self.tag}"
