"""When a refill is due again: LibreChat's calendar arithmetic (JavaScript month overflow), in UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ledger.pricing import refill_eligible_at

START = datetime(2026, 1, 31, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (30, "seconds", datetime(2026, 1, 31, 10, 30, 30, tzinfo=UTC)),
        (90, "minutes", datetime(2026, 1, 31, 12, 0, tzinfo=UTC)),
        (24, "hours", datetime(2026, 2, 1, 10, 30, tzinfo=UTC)),
        (30, "days", datetime(2026, 3, 2, 10, 30, tzinfo=UTC)),
        (2, "weeks", datetime(2026, 2, 14, 10, 30, tzinfo=UTC)),
        (1, "months", datetime(2026, 3, 3, 10, 30, tzinfo=UTC)),
        (13, "months", datetime(2027, 3, 3, 10, 30, tzinfo=UTC)),
        (0, "days", START),
        (5, "fortnights", START),
    ],
)
def test_it_adds_the_interval_like_javascript_dates(value, unit, expected):
    assert refill_eligible_at(START, value, unit) == expected


def test_it_handles_leap_years_and_a_missing_last_refill():
    assert refill_eligible_at(datetime(2028, 1, 31, tzinfo=UTC), 1, "months") == datetime(2028, 3, 2, tzinfo=UTC)
    assert refill_eligible_at(None, 1, "days") == datetime(1970, 1, 2, tzinfo=UTC)
