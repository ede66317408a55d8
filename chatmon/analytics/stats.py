"""The statistics behind an experiment's result: a difference, its 95 % confidence interval, a p-value.

- A rate (share of users retained): the two-proportion z-test; the test uses the pooled proportion, the
  interval the unpooled standard error (as in most textbooks, e.g. OpenIntro Statistics, section 6.2). The
  normal approximation needs enough users: below MIN_USERS in a variant the result says so and claims nothing.
- A mean per user (messages, credits): Welch's t-test, with the Welch-Satterthwaite degrees of freedom and
  Student's t distribution for both the p-value and the interval, so it holds for small groups too (a demo's
  five users per variant get a wide interval rather than a false precision); it needs 2 users per variant.
Two-sided, at the 5 % level; each statement names its test. One look at the end: repeated looks at a running
experiment inflate false positives (docs/analytics.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist, fmean, variance

LEVEL = 0.05
Z = NormalDist().inv_cdf(1 - LEVEL / 2)  # 1.96
MIN_USERS = 30  # per variant, for the z-test of rates
MIN_USERS_T = 2  # per variant, for Welch's t-test (a variance needs two)
Z_TEST, WELCH = "two-proportion z-test", "Welch's t-test"


@dataclass(frozen=True)
class Comparison:
    control: float
    variant: float
    difference: float
    low: float
    high: float
    p_value: float | None  # None: too few users to test
    test: str = WELCH
    min_users: int = MIN_USERS_T

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < LEVEL

    def statement(self, name: str, control: str) -> str:
        if self.p_value is None:
            return (f"{name}: too few users (fewer than {self.min_users} in a variant) for the {self.test} "
                    f"against {control}.")  # fmt: skip
        direction = "higher" if self.difference > 0 else "lower"
        figures = f"95 % CI {self.low:+.4g} to {self.high:+.4g}; {self.test}, p = {self.p_value:.3g}"
        if self.significant:
            return (f"{name} is {direction} than {control} by {abs(self.difference):.4g} ({figures}): "
                    "significant at the 5 % level.")  # fmt: skip
        return (f"{name} differs from {control} by {self.difference:+.4g} ({figures}): "
                "not significant; the data are consistent with no difference.")  # fmt: skip


def _two_sided(z: float) -> float:
    return 2 * (1 - NormalDist().cdf(abs(z)))


def compare_rates(control_hits: int, control_n: int, variant_hits: int, variant_n: int) -> Comparison:
    p1 = control_hits / control_n if control_n else 0.0
    p2 = variant_hits / variant_n if variant_n else 0.0
    difference = p2 - p1
    if min(control_n, variant_n) < MIN_USERS:
        return Comparison(p1, p2, difference, difference, difference, None, Z_TEST, MIN_USERS)
    pooled = (control_hits + variant_hits) / (control_n + variant_n)
    tested = math.sqrt(pooled * (1 - pooled) * (1 / control_n + 1 / variant_n))
    spread = math.sqrt(p1 * (1 - p1) / control_n + p2 * (1 - p2) / variant_n)
    p_value = 1.0 if tested == 0 else _two_sided(difference / tested)
    return Comparison(p1, p2, difference, difference - Z * spread, difference + Z * spread, p_value, Z_TEST, MIN_USERS)


def compare_means(control: list[float], variant: list[float]) -> Comparison:
    m1 = fmean(control) if control else 0.0
    m2 = fmean(variant) if variant else 0.0
    difference = m2 - m1
    if min(len(control), len(variant)) < MIN_USERS_T:
        return Comparison(m1, m2, difference, difference, difference, None)
    parts = (variance(control) / len(control), variance(variant) / len(variant))
    spread = math.sqrt(sum(parts))
    if spread == 0:  # every user of both variants has the same value: no spread to test against
        return Comparison(m1, m2, difference, difference, difference, 1.0 if difference == 0 else 0.0)
    freedom = sum(parts) ** 2 / (parts[0] ** 2 / (len(control) - 1) + parts[1] ** 2 / (len(variant) - 1))
    margin = t_quantile(freedom) * spread
    return Comparison(
        m1, m2, difference, difference - margin, difference + margin, t_two_sided(difference / spread, freedom)
    )


def t_two_sided(t: float, freedom: float) -> float:
    """P(|T| >= |t|) for Student's t with `freedom` degrees of freedom: I_x(freedom/2, 1/2), x = f/(f + t^2)."""
    return _beta_regularized(freedom / 2, 0.5, freedom / (freedom + t * t))


def t_quantile(freedom: float, level: float = LEVEL) -> float:
    """The t with a two-sided tail of `level` (2.228 for 10 degrees of freedom at 5 %), by bisection."""
    low, high = 0.0, 1e6
    for _ in range(200):
        middle = (low + high) / 2
        low, high = (middle, high) if t_two_sided(middle, freedom) > level else (low, middle)
    return (low + high) / 2


def _beta_regularized(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b) (Numerical Recipes, 6.4: a continued fraction,
    on the side of x where it converges fast)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1) / (a + b + 2):
        return front * _beta_fraction(a, b, x) / a
    return 1 - front * _beta_fraction(b, a, 1 - x) / b


def _beta_fraction(a: float, b: float, x: float) -> float:
    tiny = 1e-300
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    fraction = d
    for m in range(1, 400):
        for term in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                     -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):  # fmt: skip
            d = 1 + term * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + term / c
            c = c if abs(c) > tiny else tiny
            fraction *= c * d
        if abs(c * d - 1) < 1e-15:
            break
    return fraction
