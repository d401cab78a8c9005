"""Means of 1–5 score distributions with their standard errors, for intervals on published figures."""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from scipy.stats import norm

LEVEL = 0.95


@dataclass(frozen=True)
class Estimate:
    mean: float
    se: float  # standard error of the mean
    n: float

    def interval(self, level: float = LEVEL) -> tuple[float, float]:
        half = norm.ppf(0.5 + level / 2) * self.se
        return self.mean - half, self.mean + half


def estimate(counts: Mapping[int, float], noise_scale: float = 0.0) -> Estimate | None:
    """The mean score of a distribution (how many gave each score 1..5) with its standard error: the
    spread of the scores over their number, plus what discrete Laplace noise of scale `noise_scale` on
    each count adds. None for fewer than two scores."""
    n = sum(counts.values())
    if n < 2:
        return None
    mean = sum(score * count for score, count in counts.items()) / n
    squares = sum(count * (score - mean) ** 2 for score, count in counts.items())
    variance = squares / (n - 1) / n
    if noise_scale:
        q = math.exp(-1 / noise_scale)
        noise = 2 * q / (1 - q) ** 2  # the variance of one count's discrete Laplace noise
        variance += noise * sum((score - mean) ** 2 for score in range(1, 6)) / n ** 2
    return Estimate(mean, math.sqrt(variance), n)
