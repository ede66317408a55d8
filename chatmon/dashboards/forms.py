"""User 360's operator forms. Amounts are validated as the ledger's own grant form validates them (a bad
value is a form error, never a 500), and a large grant needs an explicit confirmation."""

from __future__ import annotations

from django import forms

from chatmon.dashboards import conf
from ledger import money
from ledger.forms import GrantCreditsForm


class GrantForm(GrantCreditsForm):
    confirm = forms.BooleanField(required=False, label="I confirm this large amount")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "grant_%s")  # ids apart from the ban form's on the same page
        super().__init__(*args, **kwargs)
        self.fields["amount"].label = "Credits"
        self.fields["amount"].help_text = f"Negative to remove. {money.exchange_note()}"
        self.fields["reason"].label = "Reason"

    def clean(self):
        data = super().clean()
        amount = data.get("amount")
        if amount is not None and abs(amount) >= conf.grant_confirm_credits() and not data.get("confirm"):
            # The form comes back with the box shown: the operator reads the amount in money and ticks it.
            self.needs_confirmation = True
            raise forms.ValidationError(
                f"{money.format_amount(amount)} is a large amount: tick “{self.fields['confirm'].label}” to grant it."
            )
        return data

    needs_confirmation = False


class BanForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "ban_%s")
        super().__init__(*args, **kwargs)

    hours = forms.FloatField(min_value=0.01, max_value=24 * 365, initial=2, label="Hours")
    reason = forms.CharField(max_length=200, label="Reason")
