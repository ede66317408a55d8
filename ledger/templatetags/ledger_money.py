"""`{% load ledger_money %}`: `{{ x|credits }}`, `{{ x|money }}`, `{{ x|amount }}` and `{{ x|rate }}`, the
template side of ledger/money.py (one formatting rule for every page that shows an amount)."""

from __future__ import annotations

from django import template

from ledger import money

register = template.Library()


@register.filter
def credits(value) -> str:
    return money.format_credits(value)


@register.filter(name="money")
def money_filter(value) -> str:
    return money.format_money(value)


@register.filter
def amount(value) -> str:
    return money.format_amount(value)


@register.filter
def rate(value) -> str:
    return money.format_rate(value)
