"""Checks on numbers and token types that come from callers: bad input is refused before anything is written.

The ledger's bounds (docs/ledger.md, "Bounds"), each far above any real use and far below where doubles lose
whole credits (2^53 ~ 9e15), so every figure derived from valid input is finite and exact to the credit:
- a token count in one call: |count| <= MAX_TOKENS (10^9; the largest context windows are ~10^6 tokens);
- a rate: 0 <= rate <= MAX_RATE credits per token (10^6, i.e. 1 USD per token; the shipped table's highest
  is 270);
- a credit amount given at once (a grant, an imported balance or row): |amount| <= ABSURD (10^12 = 1M USD);
- a priced call: at most MAX_CALLS (10^6) of one item in one spend, at a unit price from 0 to MAX_UNIT_PRICE
  credits (10^9, i.e. 1,000 USD a call; the shipped call prices' highest is 250,000), so a call row's value
  stays within 10^15;
- a balance: at most MAX_BALANCE (10^15 credits); a grant that would pass it is refused.
The database refuses any stored figure beyond STORED_LIMIT (10^16) or not finite (ledger/models.py), which
valid input never reaches: a spend's largest value is 3 x 10^9 tokens x 10^6 (a structured prompt).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from numbers import Real

# No real request uses a trillion credits; a value this size is a bug or an attack.
ABSURD = 10**12
MAX_TOKENS = 10**9
MAX_RATE = 10**6
MAX_CALLS = 10**6
MAX_UNIT_PRICE = 10**9
MAX_BALANCE = 10**15
STORED_LIMIT = 10**16
# The rate names of an endpoint token config that the ledger prices with (others, such as LibreChat's
# `context` window size, are not the ledger's business and pass through).
PRICED_KEYS = ("prompt", "completion", "write", "read")


class LedgerInputError(ValueError):
    """A token count or credit amount the ledger refuses; the message says what is wrong."""


class UserGone(LedgerInputError):
    """The user a write names no longer exists: deleted while the write ran, or just before by a process whose
    news had not reached the caller yet. Nothing was written."""


def checked_number(value, *, name: str, limit: float = ABSURD, minimum: float | None = None) -> float:
    """`value` as a float if it is a finite real number no larger than `limit` in size (and not below
    `minimum` when given), else LedgerInputError.

    Negative counts are let through by default: LibreChat's spend rules clamp them to 0 (rows hold -0).
    """
    if isinstance(value, bool) or not isinstance(value, Real | Decimal):
        raise LedgerInputError(f"{name} must be a number, not {type(value).__name__}")
    if math.isnan(value):
        raise LedgerInputError(f"{name} is NaN")
    if abs(value) > limit:
        raise LedgerInputError(f"{name} is {value}, beyond the limit of {limit:.0e}")
    if minimum is not None and value < minimum:
        raise LedgerInputError(f"{name} is {value}, below {minimum}")
    return float(value)


def optional_number(value, *, name: str, limit: float = ABSURD) -> float | None:
    return None if value is None else checked_number(value, name=name, limit=limit)


def checked_count(value, *, name: str) -> float | None:
    """A token count of one call (None = not reported), at most MAX_TOKENS in size."""
    return optional_number(value, name=name, limit=MAX_TOKENS)


def checked_rate(value, *, name: str) -> float:
    return checked_number(value, name=name, limit=MAX_RATE, minimum=0)


def checked_token_config(config, *, name: str = "endpoint_token_config") -> Mapping | None:
    """An endpoint token config ({model: {prompt, completion, write?, read?}}) whose rates are all valid.

    Returned as given (the caller's mapping), so that a valid config prices exactly as before.
    """
    if config is None:
        return None
    if not isinstance(config, Mapping):
        raise LedgerInputError(f"{name} must be a dict of models, not {type(config).__name__}")
    for model, rates in config.items():
        if not isinstance(rates, Mapping):
            raise LedgerInputError(f"{name}[{model!r}] must be a dict of rates, not {type(rates).__name__}")
        for key in PRICED_KEYS:
            if rates.get(key) is not None:
                checked_rate(rates[key], name=f"{name}[{model!r}][{key!r}]")
    return config


def checked_stored(value, *, name: str) -> None:
    """A figure about to be stored: None, or finite and within STORED_LIMIT (the database's own check)."""
    if value is not None and not -STORED_LIMIT <= value <= STORED_LIMIT:
        raise LedgerInputError(f"{name} would be {value}, beyond the ledger's limit of {STORED_LIMIT:.0e}")


def checked_token_type(value, *, name: str = "token_type") -> str:
    """`value` if it is one of the ledger's token types (prompt, completion, credits), else LedgerInputError."""
    if value not in _token_types():
        raise LedgerInputError(f"{name} {value!r} is not one of {sorted(_token_types())}")
    return value


@cache
def _token_types() -> frozenset[str]:
    from ledger.models import Transaction  # on first use: importing this module never needs the app registry

    return frozenset(Transaction.TokenType.values)
