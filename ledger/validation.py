"""Checks on numbers and token types that come from callers: bad input is refused before anything is written."""

from __future__ import annotations

import math
from decimal import Decimal
from functools import cache
from numbers import Real

# No real request uses a trillion tokens or credits; a value this size is a bug or an attack.
ABSURD = 10**12


class LedgerInputError(ValueError):
    """A token count or credit amount the ledger refuses; the message says what is wrong."""


def checked_number(value, *, name: str) -> float:
    """`value` as a float if it is a finite real number no larger than 10^12 in size, else LedgerInputError.

    Negative counts are let through: LibreChat's spend rules clamp them to 0 (rows hold -0).
    """
    if isinstance(value, bool) or not isinstance(value, Real | Decimal):
        raise LedgerInputError(f"{name} must be a number, not {type(value).__name__}")
    if math.isnan(value):
        raise LedgerInputError(f"{name} is NaN")
    if abs(value) > ABSURD:
        raise LedgerInputError(f"{name} is {value}, beyond the limit of {ABSURD:.0e}")
    return float(value)


def optional_number(value, *, name: str) -> float | None:
    return None if value is None else checked_number(value, name=name)


def checked_token_type(value, *, name: str = "token_type") -> str:
    """`value` if it is one of the ledger's token types (prompt, completion, credits), else LedgerInputError."""
    if value not in _token_types():
        raise LedgerInputError(f"{name} {value!r} is not one of {sorted(_token_types())}")
    return value


@cache
def _token_types() -> frozenset[str]:
    from ledger.models import Transaction  # on first use: importing this module never needs the app registry

    return frozenset(Transaction.TokenType.values)
