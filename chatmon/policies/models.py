"""Group policies (a user's start balance, auto-refill, spend cap, rate limits and models, by Django group) and
budgets (a spend limit per period for the service, a user, an API-key source, a model, a group or a member of
a group). Which policy a user gets is decided in resolution.py; what a budget has spent in budgets.py."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from ledger.conf import REFILL_UNITS
from ledger.validation import MAX_BALANCE

CREDITS = [MinValueValidator(0), MaxValueValidator(MAX_BALANCE)]


class Period(models.TextChoices):
    # Calendar periods starting at local midnight in POLICIES_TIME_ZONE (weeks on Monday).
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class Policy(models.Model):
    name = models.CharField(max_length=100, unique=True)
    groups = models.ManyToManyField(
        Group, blank=True, related_name="chatmon_policies", help_text="Members of these groups get this policy."
    )
    priority = models.IntegerField(
        default=0,
        help_text="A user in several groups gets the policy of the highest priority; among equal priorities, "
        "the most generous one (docs/policies.md).",
    )
    start_balance = models.FloatField(validators=CREDITS, help_text="Credits a member's new balance starts with.")
    auto_refill = models.BooleanField(default=False)
    refill_amount = models.FloatField(default=0, validators=CREDITS, help_text="Credits each auto-refill adds.")
    refill_interval_value = models.PositiveIntegerField(default=30, validators=[MaxValueValidator(10**6)])
    refill_interval_unit = models.CharField(
        max_length=10, default="days", choices=[(unit, unit) for unit in REFILL_UNITS]
    )
    budget_cap = models.FloatField(
        null=True, blank=True, validators=CREDITS,
        help_text="Credits each member may spend per cap period (a hard stop); empty: no cap.",
    )  # fmt: skip
    budget_cap_period = models.CharField(max_length=5, choices=Period.choices, default=Period.MONTH)
    rate_limits = models.JSONField(
        default=dict, blank=True,
        help_text='Per-user limiter -> its max and window for members, e.g. {"message_user": {"max": 100, '
        '"window_seconds": 60}}.',
    )  # fmt: skip
    allowed_models = models.JSONField(
        default=list, blank=True,
        help_text='Models members may use: pricing keys or shell patterns ("gpt-4o-mini", "claude-*"); empty: all.',
    )  # fmt: skip
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "chatmon_policy"
        verbose_name_plural = "policies"
        ordering = ["-priority", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from chatmon.policies.validation import checked_models, checked_rate_limits

        errors = {}
        for name, check in (("rate_limits", checked_rate_limits), ("allowed_models", checked_models)):
            try:
                setattr(self, name, check(getattr(self, name)))
            except ValidationError as exc:
                errors[name] = exc.messages
        if self.auto_refill and not self.refill_amount:
            errors["refill_amount"] = ["An auto-refill needs an amount above 0."]
        if errors:
            raise ValidationError(errors)

    @property
    def auto_refill_fields(self) -> dict | None:
        """The ledger's auto-refill fields of a member's balance (ledger.conf.auto_refill()'s shape)."""
        if not self.auto_refill:
            return None
        return {
            "auto_refill_enabled": True,
            "refill_interval_value": self.refill_interval_value,
            "refill_interval_unit": self.refill_interval_unit,
            "refill_amount": self.refill_amount,
        }


class Budget(models.Model):
    class Scope(models.TextChoices):
        SERVICE = "service", "the whole service"
        USER = "user", "one user"
        SOURCE = "source", "an API-key source's users"
        MODEL = "model", "one model"
        GROUP = "group", "a group's members together"
        MEMBER = "member", "one member of a group"

    # Which of the fields below each scope needs; clean() refuses others.
    NEEDS = {
        Scope.SERVICE: (), Scope.USER: ("user",), Scope.SOURCE: ("source",), Scope.MODEL: ("model",),
        Scope.GROUP: ("group",), Scope.MEMBER: ("group", "user"),
    }  # fmt: skip

    name = models.CharField(max_length=100, unique=True)
    scope = models.CharField(max_length=10, choices=Scope.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="chatmon_budgets"
    )
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.CASCADE, related_name="chatmon_budgets")
    source = models.CharField(max_length=50, blank=True, help_text="The API-key source (tenant), e.g. librechat.")
    model = models.CharField(max_length=255, blank=True, help_text="A model name or its pricing key.")
    limit = models.FloatField(validators=[MinValueValidator(1), MaxValueValidator(MAX_BALANCE)], help_text="Credits.")
    period = models.CharField(max_length=5, choices=Period.choices, default=Period.MONTH)
    hard_stop = models.BooleanField(
        default=False, help_text="Refuse balance checks that would take the spend beyond the limit."
    )
    notice_levels = models.JSONField(
        default=list, blank=True, help_text="Shares of the limit (%) that send a notice; empty: 50, 80, 100."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "chatmon_budget"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from chatmon.policies.validation import checked_levels

        needs = self.NEEDS.get(self.scope, ())
        values = {"user": self.user_id, "group": self.group_id, "source": self.source, "model": self.model}
        errors = {name: [f"A {self.scope} budget needs this."] for name in needs if not values[name]}
        errors |= {name: [f"A {self.scope} budget leaves this empty."]
                   for name, value in values.items() if value and name not in needs}  # fmt: skip
        try:
            self.notice_levels = checked_levels(self.notice_levels)
        except ValidationError as exc:
            errors["notice_levels"] = exc.messages
        if errors:
            raise ValidationError(errors)

    @property
    def subject(self) -> str:
        """What the budget covers, in words: "group research", "alice in group research"."""
        return {
            self.Scope.SERVICE: "the service",
            self.Scope.USER: f"user {self.user}",
            self.Scope.SOURCE: f"source {self.source}",
            self.Scope.MODEL: f"model {self.model}",
            self.Scope.GROUP: f"group {self.group}",
            self.Scope.MEMBER: f"{self.user} in group {self.group}",
        }[self.scope]


class BudgetNotice(models.Model):
    """A budget crossing one of its levels in one period: the row's unique key is the claim that sends the
    notice once, however many evaluations race (two workers, a rerun)."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="notices")
    period_start = models.DateTimeField()
    level = models.PositiveSmallIntegerField()
    percent = models.FloatField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "chatmon_budgetnotice"
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["budget", "period_start", "level"], name="budget_notice_once")]

    def __str__(self) -> str:
        return f"{self.budget} reached {self.level} % ({self.period_start:%Y-%m-%d})"
