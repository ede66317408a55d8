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
