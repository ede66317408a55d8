"""Amounts read the same everywhere: credits with separators and two decimals, their price in the display
currency (LibreChat's 1 USD = 1,000,000 credits unless configured), rates to four significant digits."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from ledger import money


@pytest.mark.parametrize(
    ("credits", "expected"),
    [
        (57690.62, "57,690.62 credits ($0.0577)"),
        (1e12, "1,000,000,000,000.00 credits ($1,000,000.00)"),
        (-1234.5, "-1,234.50 credits (-$0.0012)"),
        (999_999, "999,999.00 credits ($1.00)"),
        (0, "0.00 credits ($0.0000)"),
        (-0.00001, "0.00 credits ($0.0000)"),
        (38.28, "38.28 credits (<$0.0001)"),  # a small model's reply: not free
        (-9, "-9.00 credits (<$0.0001)"),
        (None, ""),
        (float("nan"), "nan"),
    ],
)
def test_it_formats_an_amount_in_credits_and_money(credits, expected):
    assert money.format_amount(credits) == expected


def test_it_reads_the_rate_and_currency_at_call_time(settings):
    settings.LEDGER_CREDITS_PER_UNIT = 500_000
    settings.LEDGER_DISPLAY_CURRENCY = "EUR"
    assert money.format_money(1_500_000) == "€3.00"
    assert money.round_money(1_500_000) == 3.0
    assert money.currency_label() == "EUR"
    assert money.exchange_note() == "500,000 credits = 1 EUR."
    settings.LEDGER_DISPLAY_CURRENCY = "CHF"
    assert money.format_money(250_000) == "0.5000 CHF"
    assert money.format_money(20) == "<0.0001 CHF"


@pytest.mark.parametrize(
    ("rate", "expected"),
    [(2.434615384615, "2.435"), (1, "1"), (1e6, "1,000,000"), (0.000123, "0.000123"), (12345.678, "12,346"), (0, "0")],
)
def test_it_rounds_rates_to_four_significant_digits(rate, expected):
    assert money.format_rate(rate) == expected


def test_its_template_filters_are_the_same_helper():
    template = Template("{% load ledger_money %}{{ x|credits }}|{{ x|money }}|{{ x|amount }}|{{ r|rate }}")
    out = template.render(Context({"x": 1234567.891, "r": 2.434615}))
    assert out == "1,234,567.89|$1.23|1,234,567.89 credits ($1.23)|2.435"
