"""Calibrated noise on the published score counts, so that no published number — alone, against another
round's, or a unanimous group's — pins one person's answer (differential privacy, through OpenDP).

At closing every count of an answer (1–5 or "can't judge", per group and dimension) gets discrete Laplace
noise of scale b, and the sum of the raters' own means ("overall") continuous Laplace noise of scale 5·b.
One person changes one count of each dimension by one, and the overall sum by at most 5, so each dimension's
counts and the overall figure are each ε = 1/b differentially private; a whole ballot of d dimensions,
(d + 1)/b. How many people answered for a target stays exact.
The noisy numbers are stored instead of the exact ones: every reader, export and later page sees the same.
"""
import math
import random
import statistics
from functools import cache

from opendp import prelude as dp

dp.enable_features("contrib")  # OpenDP's mechanisms are marked "contrib" until they are formally vetted

OVERALL_SENSITIVITY = 5  # one rater's mean lies in 1..5


def epsilon(scale: float) -> float | None:
    """The privacy loss per dimension (and for the overall figure) at this scale; None for exact counts."""
    return 1 / scale if scale else None


@cache
def _counts_mechanism(scale: float):
    return dp.m.make_laplace(dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int), scale=scale)


@cache
def _sums_mechanism(scale: float):
    return dp.m.make_laplace(dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.l1_distance(T=float),
                             scale=scale * OVERALL_SENSITIVITY)


# Each count and each sum gets its own independent draw: a whole round's are drawn in one call, which is the
# same noise as one call per group and dimension, and spares thousands of calls into the library.

def noisy_counts(counts: list[int], scale: float) -> list[int]:
    """The counts with noise, clamped at 0: a distribution has no negative counts to draw."""
    if not scale or not counts:
        return list(counts)
    return [max(0, c) for c in _counts_mechanism(scale)(list(counts))]


def noisy_sums(totals: list[float], scale: float) -> list[float]:
    if not scale or not totals:
        return list(totals)
    return _sums_mechanism(scale)([float(t) for t in totals])


# Answers spread as ratings do (mean about 3.6), to tell readers how far noise moves a mean.
TYPICAL_ANSWERS = (1, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5)


@cache
def typical_shift(raters: int, scale: float, trials: int = 2000) -> float:
    """The median distance, over simulated groups of `raters` people, between a dimension's mean and the mean
    published from its noisy counts. Simulated with Python's seeded generator (the same distribution as the
    mechanism's), so every process states the same figure."""
    rng = random.Random(7)
    keep = math.exp(-1 / scale)  # discrete Laplace: the difference of two geometric variables

    def noise() -> int:
        return _geometric(rng, keep) - _geometric(rng, keep)

    shifts = []
    for _ in range(trials):
        answers = [rng.choice(TYPICAL_ANSWERS) for _ in range(raters)]
        counts = [max(0, answers.count(score) + noise()) for score in range(1, 6)]
        if sum(counts):
            published = sum(score * c for score, c in zip(range(1, 6), counts, strict=True)) / sum(counts)
            shifts.append(abs(published - statistics.fmean(answers)))
    return statistics.median(shifts)


def _geometric(rng: random.Random, keep: float) -> int:
    """Failures before the first success, each failure with probability `keep`."""
    return int(math.log(1 - rng.random()) / math.log(keep)) if keep > 0 else 0
