"""The statistics of the monitoring's analytics (MON-24 … MON-26) as pure functions over sums: a group's count, sum and
sum of squares of the percentage of the maximum give its mean, standard deviation and a t-based 95% confidence
interval; the distribution is a list of counts over tenths of the maximum. No ORM here: the summary rows are summed by
``monitoring.analytics`` and handed over as numbers (docs/monitoring.md "Analytics" states the formulas)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache

from . import rules

# z of the standard normal distribution at 0.975 (two-sided 95%).
Z_975 = 1.959963984540054
# Up to this many degrees of freedom the t quantile is found from the exact distribution function of Student's t
# (a finite series for whole degrees of freedom); above it the Cornish–Fisher expansion is exact to far below the
# 0.01 percentage points printed.
EXACT_DF = 200


def _t_two_sided(t: float, df: int) -> float:
    """P(|T| ≤ t) for Student's t with ``df`` (whole) degrees of freedom: the closed forms of Abramowitz & Stegun
    26.7.3 (odd df) and 26.7.4 (even df), with θ = atan(t / √df)."""
    theta = math.atan(t / math.sqrt(df))
    sin, cos2 = math.sin(theta), math.cos(theta) ** 2
    if df % 2 == 0:
        term, total = 1.0, 1.0
        for k in range(2, df, 2):  # 1 + ½cos²θ + (1·3)/(2·4)cos⁴θ + … up to cos^(df−2)θ
            term *= cos2 * (k - 1) / k
            total += term
        return sin * total
    if df == 1:
        return 2 * theta / math.pi
    term = math.cos(theta)
    total = term
    for k in range(3, df - 1, 2):  # cosθ + (2/3)cos³θ + (2·4)/(3·5)cos⁵θ + … up to cos^(df−2)θ
        term *= cos2 * (k - 1) / k
        total += term
    return 2 / math.pi * (theta + sin * total)


@cache
def t_quantile_975(df: int) -> float:
    """The 0.975 quantile of Student's t with ``df`` ≥ 1 degrees of freedom (the multiplier of a two-sided 95%
    interval): by bisection on the exact distribution function up to EXACT_DF, by the Cornish–Fisher expansion of
    A&S 26.7.5 above it."""
    if df < 1:
        raise ValueError("degrees of freedom start at 1")
    if df > EXACT_DF:
        z = Z_975
        g1 = (z**3 + z) / 4
        g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
        g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
        g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
        return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4
    low, high = Z_975, 13.0  # t_0.975 lies between z and t(1) = 12.706…
    for _step in range(80):
        middle = (low + high) / 2
        if _t_two_sided(middle, df) < 0.95:
            low = middle
        else:
            high = middle
    return (low + high) / 2


@dataclass
class Sums:
    """What a group's summary rows add up to: results counted, annulled, Σx, Σx² of the percentage of the maximum,
    and the distribution over tenths of the maximum."""

    n: int = 0
    annulled: int = 0
    total: float = 0.0
    squares: float = 0.0
    distribution: list[int] = field(default_factory=lambda: [0] * rules.DISTRIBUTION_BINS)

    def add(self, *, n: int, annulled: int, total: float, squares: float, distribution: list[int]) -> None:
        self.n += n
        self.annulled += annulled
        self.total += total
        self.squares += squares
        for index, count in enumerate(distribution or []):
            self.distribution[index] += count

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n else None

    @property
    def sd(self) -> float | None:
        """The sample standard deviation s = √((Σx² − (Σx)²/n) / (n − 1))."""
        if self.n < 2:
            return None
        variance = (self.squares - self.total * self.total / self.n) / (self.n - 1)
        return math.sqrt(max(variance, 0.0))  # rounding can leave −1e−12 where every score is the same

    @property
    def ci(self) -> tuple[float, float] | None:
        """The 95% confidence interval of the mean: x̄ ± t(0.975; n − 1) · s / √n."""
        if self.n < 2:
            return None
        half = t_quantile_975(self.n - 1) * self.sd / math.sqrt(self.n)
        return self.mean - half, self.mean + half


def position(sums: Sums, reference: float | None) -> str:
    """Where a group stands against a reference mean (the national one): ``above`` or ``below`` when its interval
    leaves the reference out, ``within`` when it holds it, ``""`` when there is no interval."""
    interval = sums.ci
    if interval is None or reference is None:
        return ""
    if interval[0] > reference:
        return "above"
    if interval[1] < reference:
        return "below"
    return "within"
