"""Operator forms: validated here so that a bad value is a form error, never a 500."""

from __future__ import annotations

import math

from django import forms
from django.core.exceptions import ValidationError

from ledger.models import Balance, CallPriceOverride, PriceOverride
from ledger.refills import SCHEDULE_FIELDS
from ledger.schedules import Kind
from ledger.validation import ABSURD, MAX_RATE, MAX_UNIT_PRICE

# The longest interval an operator may set: a century of days (LibreChat sets no bound; a typo should not
# push a refill past the year 9999 that dates end at).
MAX_INTERVAL_VALUE = 36_500


class GrantCreditsForm(forms.Form):
    amount = forms.FloatField(
        help_text="Credits to add (negative to remove). 1 USD = 1,000,000 credits.",
        min_value=-ABSURD,
        max_value=ABSURD,
    )
    reason = forms.CharField(max_length=500, help_text="Shown in the transaction and the audit log.")

    def clean_amount(self) -> float:
        amount = self.cleaned_data["amount"]
        if amount == 0 or not math.isfinite(amount):
            raise ValidationError("Enter a non-zero amount.")
        return amount


class PriceOverrideForm(forms.ModelForm):
    class Meta:
        model = PriceOverride
        fields = [
            "pattern",
            "prompt",
            "completion",
            "cache_write",
            "cache_read",
            "premium_threshold",
            "premium_prompt",
            "premium_completion",
            "effective_from",
            "note",
        ]

    def clean(self) -> dict:
        data = super().clean()
        tier = [data.get(name) for name in ("premium_threshold", "premium_prompt", "premium_completion")]
        if any(value is not None for value in tier) and any(value is None for value in tier):
            self.add_error(None, "A premium tier needs a threshold and both premium rates.")
        for name in ("prompt", "completion", "cache_write", "cache_read", "premium_prompt", "premium_completion"):
            if data.get(name) is not None and not 0 <= data[name] <= MAX_RATE:
                self.add_error(name, f"Rates are credits per token: from 0 to {MAX_RATE:,}.")
        return data


class CallPriceOverrideForm(forms.ModelForm):
    class Meta:
        model = CallPriceOverride
        fields = ["kind", "name", "size", "quality", "price", "effective_from", "note"]

    def clean(self) -> dict:
        data = super().clean()
        price = data.get("price")
        if price is not None and not (math.isfinite(price) and 0 <= price <= MAX_UNIT_PRICE):
            self.add_error("price", f"Prices are credits per call: from 0 to {MAX_UNIT_PRICE:,}.")
        if data.get("kind") != "image" and (data.get("size", "*") != "*" or data.get("quality", "*") != "*"):
            self.add_error(None, "Size and quality price images only; leave them * for other kinds.")
        for name in ("size", "quality"):  # the item key puts them after the name, separated by ':'
            if ":" in (data.get(name) or ""):
                self.add_error(name, "May not contain ':'.")
        return data


class RefillScheduleForm(forms.ModelForm):
    """One balance's refill rule: LibreChat's interval or a calendar schedule (ledger/schedules.py)."""

    class Meta:
        model = Balance
        fields = SCHEDULE_FIELDS
        help_texts = {
            "refill_amount": "Credits added per refill (1 USD = 1,000,000 credits).",
            "refill_schedule": "A calendar schedule instead of the interval, in LEDGER_REFILL_TIME_ZONE.",
            "refill_time": "Local time of day, HH:MM (calendar schedules; empty: 00:00).",
            "refill_weekday": "Weekly schedules.",
            "refill_day": "Monthly schedules: 1 to 31; a day past a month's end refills on its last day.",
        }

    def clean(self) -> dict:
        data = super().clean()
        amount = data.get("refill_amount")
        if amount is not None and not (math.isfinite(amount) and 0 <= amount <= ABSURD):
            self.add_error("refill_amount", f"Enter a number of credits from 0 to {ABSURD:,}.")
        value = data.get("refill_interval_value")
        if value is not None and not 0 <= value <= MAX_INTERVAL_VALUE:
            self.add_error("refill_interval_value", f"Enter a whole number from 0 to {MAX_INTERVAL_VALUE:,}.")
        kind = data.get("refill_schedule") or Kind.INTERVAL
        if kind == Kind.WEEKLY and data.get("refill_weekday") is None:
            self.add_error("refill_weekday", "A weekly schedule needs a weekday.")
        day = data.get("refill_day")
        if kind == Kind.MONTHLY and day is None:
            self.add_error("refill_day", "A monthly schedule needs a day of the month.")
        if day is not None and not 1 <= day <= 31:
            self.add_error("refill_day", "Enter a day from 1 to 31.")
        # Fields that the chosen kind does not use are cleared, so the stored schedule says only what applies.
        if kind == Kind.INTERVAL:
            data["refill_time"] = None
        elif data.get("refill_time") is not None:
            data["refill_time"] = data["refill_time"].replace(second=0, microsecond=0)
        if kind != Kind.WEEKLY:
            data["refill_weekday"] = None
        if kind != Kind.MONTHLY:
            data["refill_day"] = None
        return data
