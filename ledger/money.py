"""Credits and their price in the display currency: the one formatting rule that every page, admin list, CSV
and message showing an amount goes through (the dashboards' `credits`/`money` template filters call it too).

Precision, the same everywhere:
- credits: thousands separators and two decimals (`57,690.62`); a credit is a millionth of a dollar, so a
  finer figure says nothing to an operator, and a coarser one hides small spends;
- money: two decimals from one currency unit up (`$1,234.50`), four below it (`$0.0577`): a chat app's
  per-user and per-request costs are fractions of a cent to a few dollars, and cents alone would read 0.00;
  a cost below that (a small model's reply) reads `<$0.0001`, not `$0.0000`.
CSV cells carry the same rounding as plain numbers (no separators, no symbol) so that spreadsheets sum them.
"""

from __future__ import annotations

import math

from ledger import conf

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}
CREDIT_DECIMALS = 2


def to_currency(credits: float | None) -> float:
    """`credits` in the display currency (LEDGER_CREDITS_PER_UNIT credits make one unit)."""
    return (credits or 0.0) / conf.credits_per_unit()


def money_decimals(amount: float) -> int:
    # Judged on the rounded figure, so 0.99999 reads $1.00 rather than $1.0000.
    return 2 if round(abs(amount), 4) >= 1 else 4


def round_credits(credits: float | None) -> float:
    """Credits as a CSV cell or chart value: rounded as they are shown."""
    return round(credits or 0.0, CREDIT_DECIMALS)


def round_money(credits: float | None) -> float:
    """The currency value of `credits` as a CSV cell or chart value: rounded as it is shown."""
    amount = to_currency(credits)
    return round(amount, money_decimals(amount)) + 0.0  # + 0.0: no "-0.0" cell for a tiny refund


def _finite(value) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def format_credits(credits) -> str:
    """`57,690.62`; an empty string for None, the value as text when it is not a number."""
    value = _finite(credits)
    if value is None:
        return "" if credits is None else str(credits)
    value = round(value, CREDIT_DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0: no "-0.00"
    return f"{value:,.{CREDIT_DECIMALS}f}"


def format_money(credits) -> str:
    """The currency value of `credits`: `$0.0577`, `-$1,234.50`, `12.30 CHF`."""
    value = _finite(credits)
    if value is None:
        return "" if credits is None else str(credits)
    return format_currency(to_currency(value))


def format_currency(amount) -> str:
    """An amount already in the display currency (a `round_money` cell): `$0.0577`; `<$0.0001` for an amount
    that is not nothing (it shows as at least 0.01 credits) but rounds to nothing at four decimals, such as one
    small model's reply: `$0.0000` under a cost told a user it was free."""
    value = _finite(amount)
    if value is None:
        return "" if amount is None else str(amount)
    currency = conf.display_currency()
    symbol = SYMBOLS.get(currency.upper())
    if round(value, 4) == 0 and abs(value) * conf.credits_per_unit() >= 0.5 * 10**-CREDIT_DECIMALS:
        return f"<{symbol}0.0001" if symbol else f"<0.0001 {currency}"
    value = round(value, 4) + 0.0
    text = f"{abs(value):,.{money_decimals(value)}f}"
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}"


def format_amount(credits) -> str:
    """Credits with their price: `57,690.62 credits ($0.0577)`."""
    if _finite(credits) is None:
        return format_credits(credits)
    return f"{format_credits(credits)} credits ({format_money(credits)})"


def currency_label() -> str:
    """The display currency as a column heading (`USD`)."""
    return conf.display_currency()


def exchange_note() -> str:
    """`1,000,000 credits = 1 USD.`: the rate every page that shows money states once."""
    return f"{conf.credits_per_unit():,.0f} credits = 1 {currency_label()}."


def format_rate(rate) -> str:
    """A price multiplier (credits per token) to four significant digits without trailing zeros: `2.435`,
    not `2.434615384615...`; `1,000,000`, not `1e+06`."""
    value = _finite(rate)
    if value is None:
        return "" if rate is None else str(rate)
    if value == 0:
        return "0"
    decimals = max(0, 3 - math.floor(math.log10(abs(value))))
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
