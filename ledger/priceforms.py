"""Operator forms of the price-file import and of repricing: a bad value is a form error, never a 500."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from ledger import conf
from ledger.validation import MAX_RATE


class PriceImportForm(forms.Form):
    price_file = forms.FileField(
        required=False, help_text="LiteLLM's model_prices_and_context_window.json, or a copy of a proxy's /model/info."
    )
    url = forms.URLField(
        label="URL", required=False, max_length=2000, assume_scheme="https",
        help_text="Or a LiteLLM proxy's model-info endpoint, e.g. http://litellm:4000/model/info.",
    )  # fmt: skip
    api_key = forms.CharField(
        label="API key",
        required=False,
        max_length=500,
        widget=forms.PasswordInput,
        help_text="The proxy's key, if it needs one.",
    )
    only = forms.CharField(
        required=False, max_length=1000,
        help_text="Only models whose name contains one of these (comma-separated); empty: every model in the file.",
    )  # fmt: skip
    effective_from = forms.DateTimeField(
        initial=timezone.now, help_text="The new prices apply from then on; past charges keep their prices."
    )

    def clean_price_file(self):
        upload = self.cleaned_data.get("price_file")
        if upload is not None and upload.size > conf.price_file_max_bytes():
            raise ValidationError(f"The file is larger than {conf.price_file_max_bytes():,} bytes.")
        return upload

    def clean(self) -> dict:
        data = super().clean()
        if bool(data.get("price_file")) == bool(data.get("url")):
            raise ValidationError("Give either a price file or a URL.")
        return data

    @property
    def needles(self) -> tuple[str, ...]:
        return tuple(part.strip() for part in self.cleaned_data.get("only", "").split(",") if part.strip())


def _rate_field(label: str, required: bool = False) -> forms.FloatField:
    return forms.FloatField(
        label=label, required=required, min_value=0, max_value=MAX_RATE,
        help_text="Credits per token (= USD per 1M tokens).",
    )  # fmt: skip


class RepricingForm(forms.Form):
    model = forms.CharField(max_length=255, help_text="The model name as the transactions record it (exact).")
    start = forms.DateTimeField()
    end = forms.DateTimeField(help_text="Exclusive; must be in the past.")
    user = forms.CharField(required=False, max_length=150, help_text="A username or user id; empty: every user.")
    prompt = _rate_field("prompt rate")
    completion = _rate_field("completion rate")
    cache_write = _rate_field("cache write rate")
    cache_read = _rate_field("cache read rate")
    reason = forms.CharField(max_length=300, help_text="Shown in each correcting transaction and the audit log.")

    field_order = ["model", "start", "end", "user", "prompt", "completion", "cache_write", "cache_read", "reason"]

    def clean_user(self):
        value = (self.cleaned_data.get("user") or "").strip()
        if not value:
            return None
        User = get_user_model()
        user = User.objects.filter(**{User.USERNAME_FIELD: value}).first()
        if user is None and value.isdigit():
            user = User.objects.filter(pk=int(value)).first()
        if user is None:
            raise ValidationError("No such user.")
        return user

    def clean(self) -> dict:
        data = super().clean()
        if (data.get("prompt") is None) != (data.get("completion") is None):
            raise ValidationError("Give both the prompt and the completion rate, or neither (the prices now).")
        return data

    def prices(self, current) -> dict:
        """The rates given, or `current` (the model's prices in force now) when none were."""
        data = self.cleaned_data
        if data.get("prompt") is None:
            return current
        return {name: data.get(name) for name in ("prompt", "completion", "cache_write", "cache_read")}
