"""Where users sign in from (one row per user, day and place), and experiments with their exposures."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


class SignInPlace(models.Model):
    """A user signed in from this country (and region) on this day; `count` sign-ins. Never an address."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    country = models.CharField(max_length=8, help_text="ISO 3166-1 alpha-2, 'local' or 'unknown'.")
    region = models.CharField(max_length=100, blank=True, default="")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "day", "country", "region"], name="analytics_signin_place_once")
        ]
        indexes = [models.Index(fields=["day", "country"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day} {self.country}"


class UserEventDay(models.Model):
    """A named feature event of one user on one UTC day: how many, the first and the last (chatmon/analytics/
    events.py). Funnel steps and experiment metrics read them; the per-day totals stay in chatmon.monitoring."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=64)
    day = models.DateField()
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    count = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "name", "day"], name="analytics_user_event_day_once")]
        indexes = [models.Index(fields=["name", "day"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day} {self.name} x{self.count}"


class Experiment(models.Model):
    class Metric(models.TextChoices):
        MESSAGES = "messages", "Messages per user"
        CREDITS = "credits", "Credits spent per user"
        RETAINED_D7 = "retained_d7", "Active again 7 or more days after exposure"
        EVENT = "event", "A feature event per user (the metric event below)"

    slug = models.SlugField(unique=True, help_text="The name the chat app asks for (stable: it seeds assignment).")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    variants = models.JSONField(
        help_text='Control first: [{"name": "control", "weight": 50}, {"name": "b", "weight": 50}]'
    )
    metric = models.CharField(max_length=20, choices=Metric.choices, default=Metric.MESSAGES)
    metric_event = models.CharField(
        max_length=64, blank=True, help_text="With the feature-event metric: the event's name, e.g. chat.turn."
    )
    active = models.BooleanField(default=True, help_text="Inactive: everyone gets the control, nothing is recorded.")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from chatmon.analytics.experiments import checked_variants
        from chatmon.monitoring.events import NAME

        try:
            checked_variants(self.variants)
        except ValueError as exc:
            raise ValidationError({"variants": str(exc)}) from exc
        if self.metric == self.Metric.EVENT and not NAME.match(self.metric_event or ""):
            message = "Name the feature event: lowercase dotted words of 1-64 characters."
            raise ValidationError({"metric_event": message})

    @property
    def control(self) -> str:
        return self.variants[0]["name"]


class Exposure(models.Model):
    """The first time a user was shown their variant; once per experiment and user."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="exposures")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    variant = models.CharField(max_length=50)
    exposed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["experiment", "user"], name="analytics_exposed_once")]

    def __str__(self) -> str:
        return f"{self.experiment_id}/{self.user_id}: {self.variant}"


class CohortCell(models.Model):
    """Of the users who signed up in the period starting `cohort`, how many were active `offset` periods
    later (offset 0: the sign-up period itself). Rewritten by the cohorts job (chatmon/analytics/cohorts.py)."""

    class Resolution(models.TextChoices):
        WEEK = "week", "Weekly (Monday to Sunday, UTC)"
        MONTH = "month", "Monthly (UTC)"

    resolution = models.CharField(max_length=5, choices=Resolution.choices)
    cohort = models.DateField(help_text="First day of the sign-up period.")
    offset = models.PositiveSmallIntegerField(help_text="Periods after the sign-up period.")
    size = models.PositiveIntegerField(help_text="Users who signed up in the cohort's period.")
    active = models.PositiveIntegerField(help_text="Of those, users active in this period.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resolution", "cohort", "offset"], name="analytics_cohort_cell_once")
        ]
        ordering = ["resolution", "-cohort", "offset"]

    def __str__(self) -> str:
        return f"{self.resolution} {self.cohort} +{self.offset}: {self.active}/{self.size}"


class Funnel(models.Model):
    """Ordered steps to follow users through (chatmon/analytics/funnels.py lists the steps)."""

    name = models.CharField(max_length=200, unique=True)
    steps = models.JSONField(
        help_text='e.g. ["registered", "first_spend", "returned_day_7"]; also signed_in, spent_again_next_day, '
        "exposed:<experiment slug>, event:<feature event name>."
    )
    window_days = models.PositiveSmallIntegerField(default=30, help_text="Days from registering to the last step.")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from chatmon.analytics.funnels import checked_steps

        try:
            checked_steps(self.steps)
        except ValueError as exc:
            raise ValidationError({"steps": str(exc)}) from exc
        if not 1 <= self.window_days <= 366:
            raise ValidationError({"window_days": "Between 1 and 366 days."})


class Kpi(models.Model):
    """A business metric an operator defines: a feature event counted per day, or the ratio of two
    (chatmon/analytics/kpis.py). Each appears in Prometheus as chatmon_kpi_value{kpi="<slug>"}."""

    slug = models.SlugField(unique=True, help_text="The Prometheus label value (lowercase, digits, - and _).")
    name = models.CharField(max_length=200)
    numerator = models.CharField(max_length=64, help_text="A feature event name, e.g. conversation.shared.")
    denominator = models.CharField(
        max_length=64, blank=True, help_text="Optional: a second feature event; the KPI is then their ratio."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "KPI"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from chatmon.analytics.kpis import MAX_KPIS
        from chatmon.monitoring.events import NAME

        for field in ("numerator", "denominator"):
            value = getattr(self, field)
            if value and not NAME.match(value):
                raise ValidationError({field: "A feature event name: lowercase dotted words of 1-64 characters."})
        if self.pk is None and Kpi.objects.count() >= MAX_KPIS:
            raise ValidationError(f"At most {MAX_KPIS} KPIs (each is a Prometheus series).")
