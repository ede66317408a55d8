"""The statistics behind an experiment's result: a difference, its 95 % confidence interval, a p-value.

- A rate (share of users retained): the two-proportion z-test; the test uses the pooled proportion, the
  interval the unpooled standard error (as in most textbooks, e.g. OpenIntro Statistics, section 6.2).
- A mean per user (messages, credits): Welch's test with the normal approximation, fine for the hundreds
  of users an experiment needs (below 30 users per variant the result says so and claims nothing).
Two-sided, at the 5 % level. One look at the end: repeated looks at a running experiment inflate false
positives (docs/analytics.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist, fmean, variance

LEVEL = 0.05
Z = NormalDist().inv_cdf(1 - LEVEL / 2)  # 1.96
MIN_USERS = 30


@dataclass(frozen=True)
class Comparison:
    control: float
    variant: float
    difference: float
    low: float
    high: float
    p_value: float | None  # None: too few users to test

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < LEVEL

    def statement(self, name: str, control: str) -> str:
        if self.p_value is None:
            return f"{name}: too few users (fewer than {MIN_USERS} in a variant) to compare with {control}."
        direction = "higher" if self.difference > 0 else "lower"
        interval = f"95 % CI {self.low:+.4g} to {self.high:+.4g}"
        if self.significant:
            return (f"{name} is {direction} than {control} by {abs(self.difference):.4g} ({interval}; "
                    f"p = {self.p_value:.3g}): significant at the 5 % level.")  # fmt: skip
        return (f"{name} differs from {control} by {self.difference:+.4g} ({interval}; p = {self.p_value:.3g}): "
                "not significant; the data are consistent with no difference.")  # fmt: skip


def _two_sided(z: float) -> float:
    return 2 * (1 - NormalDist().cdf(abs(z)))


def compare_rates(control_hits: int, control_n: int, variant_hits: int, variant_n: int) -> Comparison:
    p1 = control_hits / control_n if control_n else 0.0
    p2 = variant_hits / variant_n if variant_n else 0.0
    difference = p2 - p1
    if min(control_n, variant_n) < MIN_USERS:
        return Comparison(p1, p2, difference, difference, difference, None)
    pooled = (control_hits + variant_hits) / (control_n + variant_n)
    tested = math.sqrt(pooled * (1 - pooled) * (1 / control_n + 1 / variant_n))
    spread = math.sqrt(p1 * (1 - p1) / control_n + p2 * (1 - p2) / variant_n)
    p_value = 1.0 if tested == 0 else _two_sided(difference / tested)
    return Comparison(p1, p2, difference, difference - Z * spread, difference + Z * spread, p_value)


def compare_means(control: list[float], variant: list[float]) -> Comparison:
    m1 = fmean(control) if control else 0.0
    m2 = fmean(variant) if variant else 0.0
    difference = m2 - m1
    if min(len(control), len(variant)) < MIN_USERS:
        return Comparison(m1, m2, difference, difference, difference, None)
    spread = math.sqrt(variance(control) / len(control) + variance(variant) / len(variant))
    p_value = (1.0 if difference == 0 else 0.0) if spread == 0 else _two_sided(difference / spread)
    return Comparison(m1, m2, difference, difference - Z * spread, difference + Z * spread, p_value)
