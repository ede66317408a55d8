"""Operator forms: validated here so that a bad value is a form error, never a 500."""

from __future__ import annotations

import math

from django import forms
from django.core.exceptions import ValidationError

from ledger.models import CallPriceOverride, PriceOverride
from ledger.validation import ABSURD, MAX_RATE, MAX_UNIT_PRICE


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
