"""The service chain of an external-client metric: the departments that serve the ones driving it, step by
step up the service map, with their scores through the publishing gate and the weakest links."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

import sqlalchemy as sa

from app.dimensions.models import Dimension
from app.extensions import db
from app.metrics.models import Metric
from app.org.models import Department, ServiceLink, department_metrics
from app.ratings.models import Round
from app.reports.gate import Figure, results_of
from app.reports.results import WEAKEST
from app.stats import differs


@dataclass(frozen=True)
class Step:
    """One department of the chain, at its shortest distance from the client (0: it drives the metric)."""

    department: Department
    distance: int
    serves: tuple[int, ...]  # the ids of the chain's departments one step nearer the client that it serves
    scores: tuple[Figure | None, ...]  # per dimension of the chain, None where the gate shows nothing
    respondents: int | None  # people who rated it this round, None below k
    took_part: bool

    def weakest(self, dimensions: list[Dimension]) -> tuple[Dimension, Figure] | None:
        """Its lowest shown dimension (ties: the order asked), or None when the gate shows none."""
        shown = [(d, f) for d, f in zip(dimensions, self.scores, strict=True) if f is not None]
        return min(shown, key=lambda pair: pair[1].mean) if shown else None


@dataclass(frozen=True)
class WeakLink:
    step: Step
    dimension: Dimension
    figure: Figure
    clearly_weak: bool = False  # below the chain's middle score beyond noise
    # the next weakest link not listed, where this one is within noise of it: the cut there is no verdict
    not_clearly_weaker_than: WeakLink | None = None


@dataclass
class Chain:
    metric: Metric
    round: Round | None  # None: no published round, so no scores
    dimensions: list[Dimension]
    steps: list[Step]  # by distance, then by name
    weakest: list[WeakLink]

    @property
    def depth(self) -> int:
        return max((s.distance for s in self.steps), default=-1)

    def weak_in(self, step: Step) -> list[Dimension]:
        return [w.dimension for w in self.weakest if w.step is step]

    def on_the_way(self, step: Step) -> list[Department]:
        """The departments from `step` down to the client, one step at a time (the first it serves on each
        step, by id): those a project on this link needs beside it."""
        by_id = {s.department.id: s for s in self.steps}
        way = []
        while step.serves:
            step = by_id[step.serves[0]]
            way.append(step.department)
        return way


def metrics_and_drivers() -> list[tuple[Metric, list[Department]]]:
    """Every metric with the client-facing departments that drive it (by name), in two queries."""
    drivers: dict[int, list[Department]] = defaultdict(list)
    for metric_id, department in db.session.execute(
            sa.select(department_metrics.c.metric_id, Department).join(
                Department, Department.id == department_metrics.c.department_id).order_by(Department.name)):
        drivers[metric_id].append(department)
    return [(m, drivers[m.id]) for m in db.session.scalars(sa.select(Metric).order_by(Metric.name))]


def walk(starts: list[int], links: list[tuple[int, int]]) -> dict[int, int]:
    """Breadth-first up the service map from the `starts`: {department id: steps from the nearest start}.
    Each department once, at its shortest distance; a cycle ends where it meets a department seen."""
    providers: dict[int, list[int]] = defaultdict(list)
    for provider, client in links:
        providers[client].append(provider)
    distance = dict.fromkeys(starts, 0)
    frontier = list(distance)
    while frontier:
        ahead = []
        for client in frontier:
            for provider in providers[client]:
                if provider not in distance:
                    distance[provider] = distance[client] + 1
                    ahead.append(provider)
        frontier = ahead
    return distance


def chain_for(metric: Metric, round_: Round | None) -> Chain:
    """The chain of `metric` with the scores of the published `round_` (None: without scores). A fixed
    number of queries whatever the company's size: the drivers, the whole service map, the chain's
    departments, the round's dimensions and the gate's sums (kept per process)."""
    starts = list(db.session.scalars(sa.select(department_metrics.c.department_id).where(
        department_metrics.c.metric_id == metric.id)))
    links = list(db.session.execute(sa.select(ServiceLink.provider_id, ServiceLink.client_id)).tuples())
    distance = walk(starts, links)
    by_id = {d.id: d for d in db.session.scalars(sa.select(Department).where(Department.id.in_(distance)))}
    serves: dict[int, list[int]] = defaultdict(list)
    for provider, client in links:
        if provider in distance and client in distance and distance[provider] == distance[client] + 1:
            serves[provider].append(client)
    dimensions = [rd.dimension for rd in round_.dimensions] if round_ else []
    gate = results_of([round_])[round_.id] if round_ else None
    steps = []
    for department_id in sorted(distance, key=lambda i: (distance[i], by_id[i].name.casefold())):
        took_part = gate is not None and gate.took_part(department_id)
        steps.append(Step(
            by_id[department_id], distance[department_id], tuple(sorted(serves[department_id])),
            tuple(gate.total("service", department_id, d.id) if took_part else None for d in dimensions),
            gate.respondents("service", department_id) if took_part else None, took_part))
    links_shown = [WeakLink(s, d, f) for s in steps
                   for d, f in zip(dimensions, s.scores, strict=True) if f is not None]
    return Chain(metric, round_, dimensions, steps, weakest_links(links_shown))


def weakest_links(links: list[WeakLink]) -> list[WeakLink]:
    """The three weakest links, those clearly weak first: below the chain's middle score (its median link)
    beyond noise, lowest first; then, if fewer than three are, the lowest of the others. A low mean from a
    few people who disagree thus gives way to a clearly low one. Each one within noise of the next link
    not listed says so, as the scorecard's three weakest do (docs/METHODS.md). Ties: nearer the clients."""
    ranked = sorted(links, key=lambda w: w.figure.mean)  # stable: the chain's order on a tie
    if not ranked:
        return []
    middle = ranked[len(ranked) // 2].figure.estimate
    clearly = []
    for link in ranked[:len(ranked) // 2]:  # only those below the middle can be clearly below it
        if differs(link.figure.estimate, middle):
            clearly.append(replace(link, clearly_weak=True))
            if len(clearly) == WEAKEST:
                break
    taken = {(w.step.department.id, w.dimension.id) for w in clearly}
    others = [w for w in ranked if (w.step.department.id, w.dimension.id) not in taken]
    picked = (clearly + others)[:WEAKEST]
    # the next link up: the lowest not listed that is not below the listed (a noisy low one left out is not)
    top = max(w.figure.mean for w in picked)
    following = next((w for w in others[WEAKEST - len(clearly):] if w.figure.mean >= top), None)
    return [replace(w, not_clearly_weaker_than=following)
            if following and not differs(w.figure.estimate, following.figure.estimate) else w
            for w in picked]
