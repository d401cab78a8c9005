"""How sure a published mean is: its interval, and whether two means differ beyond noise (docs/METHODS.md).

Pure functions over published summaries (counts per score, or a mean, a spread and a number of raters); no
database, no Flask. The noise is the calibrated noise the published counters carry (app.ratings.noise):
its variance is added to the sampling variance, so an interval is wider where the counts are noisier.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from scipy import stats

SCALE = range(1, 6)
LEVEL = 0.95  # the stated level: an interval covers the true mean 95 times in 100; a false alarm 5 in 100


@dataclass(frozen=True)
class Estimate:
    mean: float
    se: float  # standard error of the mean: sampling plus the published counters' noise
    n: float  # raters behind it

    @property
    def df(self) -> float:
        return max(self.n - 1, 1.0)

    def interval(self, level: float = LEVEL) -> tuple[float, float]:
        """Student's t interval around the mean, at `level`."""
        half = _t_quantile((1 + level) / 2, self.df) * self.se
        return self.mean - half, self.mean + half


@lru_cache(maxsize=1024)
def _t_quantile(p: float, df: float) -> float:
    # A heatmap asks for thousands of intervals over a few dozen group sizes: each quantile is found once.
    return float(stats.t.ppf(p, df))


def count_noise_variance(scale: float) -> float:
    """The variance of the discrete Laplace noise of scale b on each published count: 2q / (1 − q)², with
    q = e^(−1/b) (the difference of two geometric variables)."""
    if not scale:
        return 0.0
    q = math.exp(-1 / scale)
    return 2 * q / (1 - q) ** 2


def sum_noise_variance(scale: float, sensitivity: float) -> float:
    """The variance of continuous Laplace noise of scale b·sensitivity on a published sum: 2 (b·s)²."""
    return 2 * (scale * sensitivity) ** 2


def spread(counts: Mapping[int, float]) -> float | None:
    """The sample standard deviation of scores given as counts per score; None below two raters."""
    n = sum(counts.values())
    if n < 2:
        return None
    mean = sum(score * c for score, c in counts.items()) / n
    return math.sqrt(max(0.0, sum(c * (score - mean) ** 2 for score, c in counts.items()) / (n - 1)))


def sampling_variance(sd: float, n: float) -> float:
    """The variance of a mean of n answers with spread sd. A group whose answers all agree is read as if one
    of them had differed by a point (variance 1/n), so a small unanimous group gets an interval, not a
    point: agreement among a few people is weak evidence of agreement among all."""
    return max(sd ** 2, 1 / n) / n


def estimate(counts: Mapping[int, float], noise_scale: float = 0.0) -> Estimate | None:
    """A mean from counts per score (1..5), each count carrying noise of scale `noise_scale`.

    The noise on count c_s moves the mean m = Σ s·c_s / Σ c_s by about (s − m)·noise / n (the delta
    method), so its variance adds Σ_s (s − m)² · Var(noise) / n² to the sampling variance s² / n."""
    n = sum(counts.values())
    if n <= 0:
        return None
    mean = sum(score * c for score, c in counts.items()) / n
    sd = spread(counts) or 0.0
    # every published count carries noise, a score nobody gave too
    noise = count_noise_variance(noise_scale) * sum((score - mean) ** 2 for score in SCALE) / n ** 2
    return Estimate(mean, math.sqrt(sampling_variance(sd, n) + noise), n)


def estimate_from(mean: float, sd: float, n: float, noise_variance: float = 0.0) -> Estimate:
    """A mean known only by its spread `sd` over `n` raters, plus `noise_variance` on the mean itself."""
    return Estimate(mean, math.sqrt(sampling_variance(sd, n) + noise_variance), n)


def p_value(a: Estimate, b: Estimate) -> float:
    """Welch's t-test on two summaries (each group its own variance): the chance of a difference at least
    this wide if both came from the same distribution."""
    # scipy takes standard deviations: se·√n gives back se² = sd² / n, noise included
    return float(stats.ttest_ind_from_stats(a.mean, a.se * math.sqrt(a.n), a.n, b.mean, b.se * math.sqrt(b.n),
                                            b.n, equal_var=False).pvalue)


def differs(a: Estimate, b: Estimate, level: float = LEVEL) -> bool:
    """Whether two means differ beyond noise at `level` (two-sided Welch's t-test)."""
    return p_value(a, b) < 1 - level
