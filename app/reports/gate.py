"""The one gate between the counters and anything shown: every number is over at least k raters.

Pages, CSV exports and the API read rating counters only through `RoundResults`. It
- hides any figure over fewer than k raters ("not enough responses");
- pools rater departments with fewer than k raters into "other departments" (at closing, the services
  already stored such groups pooled: a service counter whose rater is the target itself);
- when the pool itself is smaller than k, also pools the smallest visible group, until the pool
  reaches k (complementary suppression) — so a total minus the visible parts never isolates fewer
  than k people.
The counts of answers carry the noise added at closing (app.ratings.noise), "can't judge" too; how many
people answered for a target is exact. A dimension's raters are those answers less its "can't judge" count.
Each (kind, target, measure) is partitioned once, so every view of the round shows the same cells.
Every figure carries its standard error (app.stats), computed from these same published counts and the
round's noise scale alone (docs/METHODS.md).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

import sqlalchemy as sa

from app.extensions import db
from app.org.models import Department
from app.ratings.models import (
    CANT_JUDGE,
    BallotCount,
    Comment,
    PromiseCount,
    Round,
    Tally,
    round_departments,
)
from app.ratings.noise import OVERALL_SENSITIVITY
from app.ratings.services import split_groups
from app.stats import Estimate, estimate, estimate_from, spread, sum_noise_variance
from app.web.memo import kept_many

OVERALL = "overall"  # the measure "each rater's mean over the dimensions they could judge"
SCALE = range(1, 6)


class NotPublished(Exception):
    """Results are read only for published rounds."""


@dataclass(frozen=True)
class Figure:
    n: int  # raters behind the number: those who answered (exact) less those who could not judge (noisy)
    mean: float
    distribution: tuple[int, ...] | None = None  # how many gave 1..5, with noise (dimension totals only)
    se: float = 0.0  # the mean's standard error: sampling and the counters' noise (app.stats)

    @property
    def estimate(self) -> Estimate:
        return Estimate(self.mean, self.se, self.n)


@dataclass(frozen=True)
class Cell:
    """One rater group in a breakdown: a department, or the pooled "other departments" (rater None)."""

    rater: Department | None
    figure: Figure


@dataclass(frozen=True)
class Kept:
    """How the receiving department answered "did you get what was agreed?" about one promise."""

    n: int  # who answered yes, partly or no: those asked (exact) less those who could not say (noisy)
    yes: int  # the answers' counts, with noise
    partly: int
    no: int

    def share(self, answer: str) -> float:
        """The share of one answer among yes, partly and no."""
        return getattr(self, answer) / (self.yes + self.partly + self.no)


@dataclass
class _Group:
    n: int = 0  # raters
    weight: float = 0  # what the mean is taken over: the (noisy) counts of scores, or the raters
    total: float = 0.0  # the (noisy) sum of the scores
    distribution: list = field(default_factory=lambda: [0] * len(SCALE))

    def add(self, other: _Group) -> None:
        self.n += other.n
        self.weight += other.weight
        self.total += other.total
        self.distribution = [a + b for a, b in zip(self.distribution, other.distribution, strict=True)]

    def add_score(self, score: int, count: int) -> None:
        self.weight += count
        self.total += score * count
        self.distribution[score - 1] += count

    @property
    def counts(self) -> dict[int, int]:
        return dict(zip(SCALE, self.distribution, strict=True))

    def figure(self, with_distribution: bool = False, noise_scale: float = 0.0,
               overall_spread: float | None = None) -> Figure | None:
        """The group's figure. A dimension's standard error comes from its own counts; the overall measure
        has no distribution, so its spread is given (`overall_spread`, see RoundResults.overall_spread)."""
        if self.weight <= 0:  # noise took every count to 0: there is no mean to show
            return None
        mean = min(SCALE[-1], max(SCALE[0], self.total / self.weight))  # noise may push a sum past the scale
        if overall_spread is None:
            se = estimate(self.counts, noise_scale).se
        else:  # the sum of the raters' means carries Laplace noise of scale 5·b; the raters are exact
            noise = sum_noise_variance(noise_scale, OVERALL_SENSITIVITY) / self.weight ** 2
            se = estimate_from(mean, overall_spread, self.weight, noise).se
        return Figure(self.n, mean, tuple(self.distribution) if with_distribution else None, se)


class RoundResults:
    """Everything publishable about one published round.

    A published round's counters never change again, so what they add up to is computed once per app
    process (three grouped queries for all the rounds a page needs; a breakdown one more per measure) and
    kept, a few dozen rounds at most. Names are not kept: departments are read afresh, so a renamed
    department shows its new name.
    """

    def __init__(self, round_: Round, sums: _Sums | None = None):
        if round_.state != "published":
            raise NotPublished(round_.id)
        self.round = round_
        self.k = round_.threshold
        self._sums = sums or _sums_of([round_])[round_.id]

    def took_part(self, department_id: int) -> bool:
        return department_id in self._sums.taking_part

    @property
    def taking_part(self) -> set[int]:
        """The ids of the departments taking part (fixed since the round opened)."""
        return self._sums.taking_part

    @cached_property
    def _departments(self) -> dict[int, Department]:
        return {d.id: d for d in db.session.scalars(sa.select(Department))}

    # Totals --------------------------------------------------------------------------------------

    def total(self, kind: str, target_id: int, measure) -> Figure | None:
        """All raters of a target on one measure (a dimension id or OVERALL), or None below k.
        The company is read only as a whole (`company`): its parts would let one subtract a small one."""
        if kind not in ("service", "self"):
            raise ValueError(kind)
        return self._shown(self._sums.totals.get((kind, target_id, measure)), measure, (kind, target_id))

    def company(self, measure) -> Figure | None:
        """The company as its external clients see it, over every rater of the round."""
        return self._shown(self._sums.company.get(measure), measure, None)

    def _shown(self, group: _Group | None, measure, spread_of) -> Figure | None:
        if group is None or group.n < self.k:
            return None
        return group.figure(measure != OVERALL, self.noise_scale,
                            self.overall_spread(spread_of) if measure == OVERALL else None)

    @property
    def noise_scale(self) -> float:
        return self.round.noise_scale or 0.0

    def overall_spread(self, whose) -> float:
        """The spread of the raters' own means ("overall") for a target (kind, id) or the company (None).
        The counters keep no distribution of those means; the mean of the shown dimensions' spreads bounds
        it (the spread of an average is at most the average spread), so the interval errs on the wide side.
        Only dimensions shown (k raters or more) count: every interval comes from published figures."""
        return self._sums.overall_spreads(self.k).get(whose, 0.0)

    def respondents(self, kind: str, target_id: int) -> int | None:
        """How many people answered for a target, or None below k."""
        if kind not in ("service", "self"):
            raise ValueError(kind)
        n = self._sums.ballots.get((kind, target_id), 0)
        return n if n >= self.k else None

    # Breakdown by rater department ---------------------------------------------------------------

    def breakdown(self, target_id: int, measure) -> list[Cell]:
        """How each rater department sees a target, small groups pooled as "other departments"."""
        groups = self._sums.breakdown(measure).get(target_id, {})
        # Stored under the target itself: the group pooled at closing, never shown on its own.
        visible, pooled = split_groups({rater: g.n for rater, g in groups.items()}, self.k,
                                       always_pooled={target_id})
        # A group's overall spread is read from the target's raters as a whole: within one rater department
        # answers spread no wider, on average, than across all of them.
        spread_of = self.overall_spread(("service", target_id)) if measure == OVERALL else None

        def figure(group: _Group) -> Figure | None:
            return group.figure(False, self.noise_scale, spread_of)

        cells = [Cell(self._departments[r], figure(groups[r])) for r in sorted(
            visible, key=lambda r: self._departments[r].name)]
        if pooled:
            pool = _Group()
            for rater in pooled:
                pool.add(groups[rater])
            cells.append(Cell(None, figure(pool)))
        return [cell for cell in cells if cell.figure is not None]

    # Promises ------------------------------------------------------------------------------------

    def kept(self, promise_id: int) -> Kept | None:
        """Whether a promise (app.agreements) was kept, as its receivers answered in this round; None when
        fewer than k of them answered yes, partly or no."""
        row = self._promise_counts.get(promise_id)
        if row is None:
            return None
        answered = row.answered_yes + row.answered_partly + row.answered_no
        n = row.asked - row.cant_say
        if n < self.k or answered <= 0:
            return None
        return Kept(n, row.answered_yes, row.answered_partly, row.answered_no)

    @cached_property
    def _promise_counts(self) -> dict[int, PromiseCount]:
        return {row.promise_id: row for row in db.session.scalars(
            sa.select(PromiseCount).where(PromiseCount.round_id == self.round.id))}

    # Comments ------------------------------------------------------------------------------------

    def comments(self, target_id: int) -> list[str]:
        """Released comments on a department, in random order, only when k or more people rated it."""
        return [comment.text for comment in self.released_comments(target_id)]

    def released_comments(self, target_id: int) -> list[Comment]:
        """The comments themselves (for replies to them): the same rule and order as `comments`."""
        if self.respondents("service", target_id) is None:
            return []
        return list(db.session.scalars(sa.select(Comment).where(
            Comment.round_id == self.round.id, Comment.target_department_id == target_id
        ).order_by(Comment.id)))  # the ids are random: this order says nothing about who or when


class _Sums:
    """What a published round's counters add up to: totals per target and measure, the company as a
    whole, ballots per target, the departments taking part (fixed since it opened), and (read when
    first asked) each measure's groups per rater department."""

    def __init__(self, round_id: int):
        self.round_id = round_id
        self.totals: dict[tuple, _Group] = defaultdict(_Group)  # (kind, target id, measure) -> group
        self.company: dict = defaultdict(_Group)  # measure -> group
        self.ballots: dict[tuple, int] = defaultdict(int)  # (kind, target id) -> ballots
        self._breakdowns: dict = {}  # measure -> target id -> rater department id -> group
        self._spreads: dict | None = None  # (kind, target id) or None for the company -> overall spread
        self.taking_part: set[int] = set()

    def overall_spreads(self, k: int) -> dict:
        """The average spread of each target's shown dimensions (k fixed since the round opened): one pass
        over the totals, kept with them."""
        if self._spreads is None:
            spreads = defaultdict(list)
            groups = [*(((kind, target), g) for (kind, target, measure), g in self.totals.items()
                        if measure != OVERALL),
                      *((None, g) for measure, g in self.company.items() if measure != OVERALL)]
            for whose, group in groups:
                if group.n >= k and (s := spread(group.counts)) is not None:
                    spreads[whose].append(s)
            self._spreads = {whose: sum(s) / len(s) for whose, s in spreads.items()}
        return self._spreads

    @classmethod
    def read(cls, round_ids: list[int]) -> dict[int, _Sums]:
        """The sums of several rounds in three grouped queries, however many rounds there are."""
        sums = {round_id: cls(round_id) for round_id in round_ids}
        for round_id, department_id in db.session.execute(
                sa.select(round_departments.c.round_id, round_departments.c.department_id)
                .where(round_departments.c.round_id.in_(round_ids))):
            sums[round_id].taking_part.add(department_id)
        cant_judge: dict[tuple, int] = defaultdict(int)  # (round id, kind, target id, dimension) -> raters
        for round_id, kind, target, dimension, score, count in db.session.execute(
                sa.select(Tally.round_id, Tally.target_kind, Tally.target_department_id, Tally.dimension_id,
                          Tally.score, sa.func.sum(Tally.count))
                .where(Tally.round_id.in_(round_ids))
                .group_by(Tally.round_id, Tally.target_kind, Tally.target_department_id, Tally.dimension_id,
                          Tally.score)):
            one = sums[round_id]
            if score == CANT_JUDGE:
                cant_judge[(round_id, kind, None if kind == "company" else target, dimension)] += count
            elif kind == "company":
                one.company[dimension].add_score(score, count)
            else:
                one.totals[(kind, target, dimension)].add_score(score, count)
        company_ballots: dict[int, int] = defaultdict(int)
        for round_id, kind, target, ballots, judged, overall in db.session.execute(
                sa.select(BallotCount.round_id, BallotCount.target_kind, BallotCount.target_department_id,
                          sa.func.sum(BallotCount.ballots), sa.func.sum(BallotCount.judged),
                          sa.func.sum(BallotCount.overall_sum))
                .where(BallotCount.round_id.in_(round_ids))
                .group_by(BallotCount.round_id, BallotCount.target_kind, BallotCount.target_department_id)):
            one = sums[round_id]
            if kind == "company":
                company_ballots[round_id] += ballots
                one.company[OVERALL].add(_Group(judged, judged, overall))
            else:
                one.ballots[(kind, target)] = ballots
                if judged:
                    one.totals[(kind, target, OVERALL)] = _Group(judged, judged, overall)
        # Every ballot answers every dimension: those who rated one are the ballots less "can't judge".
        for one in sums.values():
            for (kind, target, measure), group in one.totals.items():
                if measure != OVERALL:
                    group.n = one.ballots[(kind, target)] - cant_judge[(one.round_id, kind, target, measure)]
            for measure, group in one.company.items():
                if measure != OVERALL:
                    group.n = company_ballots[one.round_id] - cant_judge[
                        (one.round_id, "company", None, measure)]
        return sums

    def breakdown(self, measure) -> dict[int, dict[int, _Group]]:
        if measure not in self._breakdowns:
            groups: dict[int, dict[int, _Group]] = defaultdict(dict)
            for target, rater, ballots, judged, overall in db.session.execute(
                    sa.select(BallotCount.target_department_id, BallotCount.rater_department_id,
                              BallotCount.ballots, BallotCount.judged, BallotCount.overall_sum)
                    .where(BallotCount.round_id == self.round_id, BallotCount.target_kind == "service")):
                groups[target][rater] = _Group(judged, judged, overall) if measure == OVERALL \
                    else _Group(ballots)
            if measure != OVERALL:
                for target, rater, score, count in db.session.execute(
                        sa.select(Tally.target_department_id, Tally.rater_department_id, Tally.score,
                                  Tally.count)
                        .where(Tally.round_id == self.round_id, Tally.target_kind == "service",
                               Tally.dimension_id == measure)):
                    if score == CANT_JUDGE:
                        groups[target][rater].n -= count
                    else:
                        groups[target][rater].add_score(score, count)
            self._breakdowns[measure] = groups
        return self._breakdowns[measure]


def _sums_of(rounds: list[Round]) -> dict[int, _Sums]:
    """The rounds' sums by round id: kept ones, and the others read together. They are kept by when the
    round was published too: a restored database may give an id to another round."""
    wanted = {(r.id, r.published_at): r.id for r in rounds}
    kept = kept_many("round_sums", wanted, _Sums.read, size=64)
    return {round_id: kept[key] for key, round_id in wanted.items()}


def results_of(rounds: list[Round]) -> dict[int, RoundResults]:
    """Each published round's results, by round id, read together (see RoundResults)."""
    sums = _sums_of(rounds)
    return {r.id: RoundResults(r, sums[r.id]) for r in rounds}
