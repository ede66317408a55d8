"""Rollups the dashboards read (written only by chatmon.dashboards.rollups, never by a request).

Hourly rows per model, route and violation type stay few whatever the raw volume; per-user and per-offender
rows are daily because "top spenders over 30 days" must read at most days x users rows, not hours x users.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from chatmon.monitoring.aggregator import BUCKET_FIELDS


class ModelUsageHour(models.Model):
    """Tokens and credits charged for one model in one hour (ledger spend rows; grants excluded)."""

    hour = models.DateTimeField()
    model = models.CharField(max_length=255, help_text="The ledger row's model; empty when it had none.")
    prompt_tokens = models.FloatField(default=0)
    completion_tokens = models.FloatField(default=0)
    credits = models.FloatField(default=0, help_text="Credits charged (positive).")
    requests = models.IntegerField(default=0, help_text="Prompt rows: one per charged chat request.")

    class Meta:
        db_table = "chatmon_modelusagehour"
        constraints = [models.UniqueConstraint(fields=["hour", "model"], name="dash_model_usage_key")]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H:00} {self.model}: {self.credits:g} credits"


class UserUsageDay(models.Model):
    """One user's tokens, credits and chat requests in one day, with the span of their activity."""

    day = models.DateField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    tokens = models.FloatField(default=0)
    credits = models.FloatField(default=0)
    requests = models.IntegerField(default=0)
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()

    class Meta:
        db_table = "chatmon_userusageday"
        constraints = [models.UniqueConstraint(fields=["day", "user"], name="dash_user_usage_key")]

    def __str__(self) -> str:
        return f"{self.day} user {self.user_id}: {self.credits:g} credits"


class SpendDay(models.Model):
    """One day's spends of one user on one model and endpoint (token and per-call rows): the Usage page's
    spend by model, endpoint and API-key source over a day or more, without reading the ledger's rows."""

    day = models.DateField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    model = models.CharField(max_length=255, blank=True, default="")  # '' for spends without one
    endpoint = models.CharField(max_length=100, blank=True, default="")
    credits = models.FloatField(default=0)
    tokens = models.FloatField(default=0)
    calls = models.FloatField(default=0)
    requests = models.IntegerField(default=0)

    class Meta:
        db_table = "chatmon_spendday"
        constraints = [models.UniqueConstraint(fields=["day", "user", "model", "endpoint"], name="dash_spend_day_key")]

    def __str__(self) -> str:
        return f"{self.day} user {self.user_id} {self.model or '-'} {self.endpoint or '-'}: {self.credits:g} credits"


class SpendQuarter(models.Model):
    """Every spend's credits (token and per-call rows) in one quarter of an hour (UTC): the month forecast's
    spend per local day without reading the ledger's rows. A quarter rather than an hour because the midnights
    of some zones fall on the half or the quarter hour (India, Newfoundland, Nepal); a month is 2,976 rows."""

    quarter = models.DateTimeField(unique=True)
    credits = models.FloatField(default=0, help_text="Credits charged (positive).")

    class Meta:
        db_table = "chatmon_spendquarter"

    def __str__(self) -> str:
        return f"{self.quarter:%Y-%m-%d %H:%M}: {self.credits:g} credits"


class UnpricedHour(models.Model):
    """One hour's token spends of one model, endpoint and rate that no price's value key matched: the Usage
    page's price coverage over days without reading the ledger's rows. The rate stays a key because which rates
    are "the default one" is decided when the panel reads (ledger.selectors.unpriced_rates), as from the rows."""

    hour = models.DateTimeField()
    model = models.CharField(max_length=255)
    # NULL and '' stay apart, as grouping the ledger's rows keeps them apart.
    endpoint = models.CharField(max_length=100, null=True, blank=True)
    rate = models.FloatField()
    rows = models.IntegerField(default=0)
    tokens = models.FloatField(default=0)
    credits = models.FloatField(default=0, help_text="Credits charged (positive).")
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()

    class Meta:
        db_table = "chatmon_unpricedhour"
        indexes = [models.Index(fields=["hour"], name="dash_unpriced_hour")]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H:00} {self.model} at {self.rate:g}: {self.credits:g} credits"


class RequestHour(models.Model):
    """chatmon.monitoring's per-minute RequestRollup rows summed per hour, route and method."""

    hour = models.DateTimeField()
    route = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    count = models.BigIntegerField(default=0)
    errors = models.BigIntegerField(default=0)
    duration_sum_us = models.BigIntegerField(default=0)

    class Meta:
        db_table = "chatmon_requesthour"
        constraints = [models.UniqueConstraint(fields=["hour", "route", "method"], name="dash_request_hour_key")]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H:00} {self.method} {self.route} x{self.count}"


# The latency histogram, not cumulative, in RequestRollup's bucket columns (one list of bounds for both tables).
for _bucket in BUCKET_FIELDS:
    RequestHour.add_to_class(_bucket, models.BigIntegerField(default=0))


class ViolationHour(models.Model):
    """Violations of one type in one hour (ViolationType.TOKEN_BALANCE ones are the ledger's balance denials)."""

    hour = models.DateTimeField()
    type = models.CharField(max_length=40)
    count = models.IntegerField(default=0)
    score = models.IntegerField(default=0)

    class Meta:
        db_table = "chatmon_violationhour"
        constraints = [models.UniqueConstraint(fields=["hour", "type"], name="dash_violation_hour_key")]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H:00} {self.type}: {self.count}"


class BanHour(models.Model):
    """Bans created in one hour, by kind (user, ip) and source (automatic, manual)."""

    hour = models.DateTimeField()
    kind = models.CharField(max_length=8)
    source = models.CharField(max_length=12)
    count = models.IntegerField(default=0)

    class Meta:
        db_table = "chatmon_banhour"
        constraints = [models.UniqueConstraint(fields=["hour", "kind", "source"], name="dash_ban_hour_key")]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H:00} {self.kind}/{self.source}: {self.count}"


class OffenderDay(models.Model):
    """One offender's violations in one day: a user (signed in) or else an IP address."""

    day = models.DateField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+")
    ip = models.GenericIPAddressField(null=True)
    count = models.IntegerField(default=0)
    score = models.IntegerField(default=0)

    class Meta:
        db_table = "chatmon_offenderday"
        indexes = [models.Index(fields=["day"], name="dash_offender_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.user_id or self.ip}: {self.count}"


class RollupCursor(models.Model):
    """How far the usage rollups are complete, and who is computing them now (a lease, not a lock)."""

    name = models.CharField(max_length=50, unique=True)
    complete_through = models.DateTimeField(null=True, help_text="Hours before this one are final.")
    lease_until = models.DateTimeField(null=True, help_text="A run holds the cursor until then.")

    class Meta:
        db_table = "chatmon_rollupcursor"

    def __str__(self) -> str:
        return f"{self.name} through {self.complete_through}"
