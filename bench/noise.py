"""How far the noise added at round closing moves a group's published means, by noise scale and group size."""
import argparse
import random
import statistics

from opendp import prelude as dp

SCORES = (1, 2, 3, 4, 5)
WEIGHTS = (0.05, 0.10, 0.25, 0.40, 0.20)  # mean 3.6
CANT_JUDGE = 0.05  # share of a rater's 5 answers that are "can't judge" (exact, in no mean)
SIZES = (5, 20, 100)


def draw_group(rng: random.Random, n: int) -> tuple[list[int], float, int]:
    """One group's true answers: the first dimension's histogram of 1..5, the sum of the raters' own means
    and the number of raters with at least one score."""
    histogram = [0] * len(SCORES)
    sum_of_means, raters = 0.0, 0
    for _ in range(n):
        answers = [None if rng.random() < CANT_JUDGE else rng.choices(SCORES, WEIGHTS)[0] for _ in range(5)]
        if answers[0] is not None:
            histogram[answers[0] - 1] += 1
        given = [a for a in answers if a is not None]
        if given:
            sum_of_means += statistics.fmean(given)
            raters += 1
    return histogram, sum_of_means, raters


def mean_of(histogram: list[int]) -> float | None:
    total = sum(histogram)
    return sum(s * c for s, c in zip(SCORES, histogram, strict=True)) / total if total else None


def spread(errors: list[float]) -> str:
    if len(errors) < 2:
        return "— | —"
    return f"{statistics.median(errors):.3f} | {statistics.quantiles(errors, n=20)[-1]:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=2000, help="closings per scale and size")
    parser.add_argument("--scales", default="0.5,1,2", help="comma-separated noise scales b")
    args = parser.parse_args()
    dp.enable_features("contrib")

    rng = random.Random(7)  # the true answers; the noise comes from OpenDP's own generator
    groups = {n: [draw_group(rng, n) for _ in range(args.trials)] for n in SIZES}

    print("| b | ε per question | n | dimension: median | dimension: p95 | overall: median | overall: p95 "
          "| not shown |")
    print("|---|---|---|---|---|---|---|---|")
    for b in (float(s) for s in args.scales.split(",")):
        counts = dp.m.make_laplace(dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int), scale=b)
        total = dp.m.make_laplace(dp.atom_domain(T=float, nan=False), dp.absolute_distance(T=float),
                                  scale=5 * b)
        epsilon = counts.map(1)
        for n in SIZES:
            dimension_errors, overall_errors, hidden = [], [], 0
            for histogram, sum_of_means, raters in groups[n]:
                true_mean = mean_of(histogram)
                published = mean_of([max(0, c) for c in counts(histogram)])
                if published is None:
                    hidden += 1
                elif true_mean is not None:
                    dimension_errors.append(abs(published - true_mean))
                overall = min(5.0, max(1.0, total(sum_of_means) / raters))
                overall_errors.append(abs(overall - sum_of_means / raters))
            print(f"| {b:g} | {epsilon:g} | {n} | {spread(dimension_errors)} | {spread(overall_errors)} "
                  f"| {hidden / len(groups[n]):.1%} |")


if __name__ == "__main__":
    main()
