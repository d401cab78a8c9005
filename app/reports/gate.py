"""The one gate between the counters and anything shown: every number is over at least k raters.

Pages, CSV exports and the API read rating counters only through `RoundResults`. It
- hides any figure over fewer than k raters ("not enough responses");
- pools rater departments with fewer than k raters into "other departments" (at closing, the services
  already stored such groups pooled: a service counter whose rater is the target itself);
- when the pool itself is smaller than k, also pools the smallest visible group, until the pool
  reaches k (complementary suppression) — so a total minus the visible parts never isolates fewer
  than k people.
Each (kind, target, measure) is partitioned once, so every view of the round shows the same cells.
"""
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

import sqlalchemy as sa

from app.extensions import db
from app.org.models import Department
from app.ratings.models import CANT_JUDGE, BallotCount, Comment, Round, Tally

OVERALL = "overall"  # the measure "each rater's mean over the dimensions they could judge"
SCALE = range(1, 6)


class NotPublished(Exception):
    """Results are read only for published rounds."""


@dataclass(frozen=True)
class Figure:
    n: int  # distinct raters behind the number
    mean: float
    distribution: tuple[int, ...] | None = None  # how many gave 1..5 (dimension totals only)


@dataclass(frozen=True)
class Cell:
    """One rater group in a breakdown: a department, or the pooled "other departments" (rater None)."""

    rater: Department | None
    figure: Figure


@dataclass
class _Group:
    n: int = 0
    total: float = 0.0
    distribution: list | None = None

    def add(self, n: int, total: float, distribution=None) -> None:
        self.n += n
        self.total += total
        if distribution is not None:
            self.distribution = [a + b for a, b in zip(self.distribution or [0] * 5, distribution,
                                                       strict=True)]

    def figure(self, with_distribution: bool = False) -> Figure:
        distribution = tuple(self.distribution) if with_distribution and self.distribution else None
        return Figure(self.n, self.total / self.n, distribution)


class RoundResults:
    """Everything publishable about one published round, read in two queries."""

    def __init__(self, round_: Round):
        if round_.state != "published":
            raise NotPublished(round_.id)
        self.round = round_
        self.k = round_.threshold
        # (kind, target id, measure) -> rater department id -> group
        self._groups: dict[tuple, dict[int, _Group]] = defaultdict(lambda: defaultdict(_Group))
        self._ballots: dict[tuple, int] = defaultdict(int)  # (kind, target id) -> ballots
        for t in db.session.scalars(sa.select(Tally).where(Tally.round_id == round_.id,
                                                           Tally.score != CANT_JUDGE)):
            distribution = [t.count if s == t.score else 0 for s in SCALE]
            self._groups[(t.target_kind, t.target_department_id, t.dimension_id)][
                t.rater_department_id].add(t.count, t.score * t.count, distribution)
        for c in db.session.scalars(sa.select(BallotCount).where(BallotCount.round_id == round_.id)):
            self._ballots[(c.target_kind, c.target_department_id)] += c.ballots
            if c.judged:
                self._groups[(c.target_kind, c.target_department_id, OVERALL)][
                    c.rater_department_id].add(c.judged, c.overall_sum)

    @cached_property
    def _departments(self) -> dict[int, Department]:
        return {d.id: d for d in db.session.scalars(sa.select(Department))}

    # Totals --------------------------------------------------------------------------------------

    def total(self, kind: str, target_id: int, measure) -> Figure | None:
        """All raters of a target on one measure (a dimension id or OVERALL), or None below k.
        The company is read only as a whole (`company`): its parts would let one subtract a small one."""
        if kind not in ("service", "self"):
            raise ValueError(kind)
        merged = _Group()
        for group in self._groups.get((kind, target_id, measure), {}).values():
            merged.add(group.n, group.total, group.distribution)
        return merged.figure(measure != OVERALL) if merged.n >= self.k else None

    def company(self, measure) -> Figure | None:
        """The company as its external clients see it, over every rater of the round."""
        merged = _Group()
        for (kind, _target, m), groups in self._groups.items():
            if kind == "company" and m == measure:
                for group in groups.values():
                    merged.add(group.n, group.total, group.distribution)
        return merged.figure(measure != OVERALL) if merged.n >= self.k else None

    def respondents(self, kind: str, target_id: int) -> int | None:
        """How many people answered for a target, or None below k."""
        if kind not in ("service", "self"):
            raise ValueError(kind)
        n = self._ballots.get((kind, target_id), 0)
        return n if n >= self.k else None

    # Breakdown by rater department ---------------------------------------------------------------

    def breakdown(self, target_id: int, measure) -> list[Cell]:
        """How each rater department sees a target, small groups pooled as "other departments"."""
        groups = self._groups.get(("service", target_id, measure), {})
        # Stored under the target itself: the group pooled at closing, never shown on its own.
        visible, pooled = split_groups({rater: g.n for rater, g in groups.items()}, self.k,
                                       always_pooled={target_id})
        cells = [Cell(self._departments[r], groups[r].figure()) for r in sorted(
            visible, key=lambda r: self._departments[r].name)]
        if pooled:
            pool = _Group()
            for rater in pooled:
                pool.add(groups[rater].n, groups[rater].total)
            cells.append(Cell(None, pool.figure()))
        return cells

    # Comments ------------------------------------------------------------------------------------

    def comments(self, target_id: int) -> list[str]:
        """Released comments on a department, in random order, only when k or more people rated it."""
        if self.respondents("service", target_id) is None:
            return []
        return list(db.session.scalars(sa.select(Comment.text).where(
            Comment.round_id == self.round.id, Comment.target_department_id == target_id
        ).order_by(Comment.id)))  # the ids are random: this order says nothing about who or when


def split_groups(sizes: dict[int, int], k: int, always_pooled=frozenset()) -> tuple[list[int], list[int]]:
    """Which rater groups may be shown on their own, and which are pooled together.

    Nothing is shown when all groups together have fewer than k raters. Groups under k are pooled;
    while the pool is non-empty but under k, the smallest visible group joins it, so that the total
    minus the visible groups (the pool) is always empty or at least k.
    """
    sizes = {g: n for g, n in sizes.items() if n > 0}
    if sum(sizes.values()) < k:
        return [], []
    visible = sorted((g for g, n in sizes.items() if n >= k and g not in always_pooled),
                     key=lambda g: (sizes[g], g))
    pooled = [g for g in sizes if g not in visible]
    while pooled and sum(sizes[g] for g in pooled) < k:
        pooled.append(visible.pop(0))
    return visible, pooled
