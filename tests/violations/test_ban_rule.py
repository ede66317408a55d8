"""The threshold-crossing ban rule at every boundary."""

from __future__ import annotations

import pytest

from violations.services import ban_threshold_crossed


@pytest.mark.parametrize(
    ("prev", "count", "banned"),
    [
        (19, 20, True), (19, 39, True), (19, 60, True), (39, 40, True), (0, 20, True),
        (20, 21, False), (0, 19, False), (0, 0, False), (20, 20, False), (21, 39, False),
        (0, -10, False), (-25, -5, False),
    ],
)  # fmt: skip
def test_it_bans_when_a_multiple_of_the_interval_is_crossed(prev, count, banned):
    assert ban_threshold_crossed(prev, count, 20) is banned


def test_it_bans_every_time_when_the_score_equals_the_interval():
    assert all(ban_threshold_crossed(n * 20, (n + 1) * 20, 20) for n in range(5))


def test_it_never_bans_with_an_interval_that_is_not_positive():
    assert not ban_threshold_crossed(19, 20, 0)
    assert not ban_threshold_crossed(19, 20, -20)
