"""parse_math: LibreChat's safe arithmetic for env values."""

from __future__ import annotations

import math

import pytest

from violations.conf import parse_math


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (42, 42), (0.5, 0.5), ("42", 42), ("  42  ", 42), ("-10", -10), ("1000 * 60 * 60 * 2", 7_200_000),
        ("2*3", 6), ("10 + 5 - 3", 12), ("7 / 2", 3.5), ("(1000 * 60 * 60 * 24) * 7", 604_800_000),
        ("((2 + 3) * 4)", 20), ("10 % 3", 1), ("-7 % 3", -1), ("+42", 42), ("-5 + 10", 5), ("0.001", 0.001),
    ],
)  # fmt: skip
def test_it_evaluates_arithmetic(value, expected):
    assert parse_math(value) == expected


def test_it_returns_whole_numbers_as_int():
    assert type(parse_math("1000 * 60")) is int


def test_it_follows_javascript_for_division_by_zero():
    assert parse_math("1 / 0") == math.inf


@pytest.mark.parametrize(
    "value",
    [None, "abc", "1; DROP TABLE users;", 'console.log("x")', "", "   ", "1.2.3", {}, [], True, False, "2 ** 3",
     "__import__('os')", "1e3"],
)  # fmt: skip
def test_it_returns_the_fallback_for_anything_else(value):
    assert parse_math(value, 100) == 100


@pytest.mark.parametrize(
    ("value", "message"),
    [(None, "str is undefined, but should be a string"), ([], "str is object, but should be a string"),
     ("abc", "Invalid characters in string"), ("process.exit(1)", "Invalid characters in string")],
)  # fmt: skip
def test_it_raises_without_a_fallback(value, message):
    with pytest.raises(ValueError, match=message):
        parse_math(value)


def test_it_treats_zero_as_a_real_fallback():
    assert parse_math(None, 0) == 0
