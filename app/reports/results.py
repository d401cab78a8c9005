"""What the results pages and their CSV exports show, composed only from the gate's public methods.

Pages and exports read the same objects and round means the same way, so a CSV says what the screen says.
A difference is marked (an arrow, a blind spot, a tension) only when it lies beyond noise at the stated level
(app.stats, docs/METHODS.md); otherwise it is said to be within noise.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.dimensions.models import Dimension
from app.extensions import db
from app.org.models import Department
from app.ratings.models import Round
from app.ratings.noise import epsilon, typical_shift
from app.ratings.services import ResponseRate, response_rates
from app.reports.gate import OVERALL, Figure, RoundResults, results_of
from app.stats import LEVEL, differs
from app.web.numbers import number, percent

SCALE_LOW, SCALE_HIGH = 1, 5
GAP = Decimal(SCALE_HIGH - SCALE_LOW) / 3  # a third of the scale range: blind spots, hidden strengths
TENSION = Decimal(1)  # how far apart two departments' views of each other must be to be a tension
WEAKEST = 3
TENTH = Decimal("0.1")


# Numbers as shown --------------------------------------------------------------------------------

def rounded(value: float) -> Decimal:
    """A mean as shown: one decimal, halves rounded up (2.25 → 2.3), whatever the float underneath."""
    return Decimal(repr(value)).quantize(TENTH, ROUND_HALF_UP)


def mean_of(figure: Figure | None) -> Decimal | None:
    return rounded(figure.mean) if figure else None


def format_mean(value) -> str:
    """A mean for the screen, in the reader's locale (3.5 or 3,5)."""
    return number(value if isinstance(value, Decimal) else rounded(value), "mean")


def interval_of(figure: Figure | None) -> tuple[Decimal, Decimal] | None:
    """The figure's interval at the stated level, as shown: one decimal, within the scale."""
    if figure is None:
        return None
    low, high = figure.estimate.interval(LEVEL)
    return rounded(max(SCALE_LOW, low)), rounded(min(SCALE_HIGH, high))


def format_interval(figure: Figure | None) -> str:
    """"2.9–3.9": where the mean lies, at the stated level."""
    low, high = interval_of(figure)
    return f"{format_mean(low)}–{format_mean(high)}"


def with_interval(figure: Figure | None) -> str:
    """A mean and its interval in words, for titles and print: "3.4 (95 % interval 2.9–3.9)"."""
    return _("%(mean)s (%(level)s interval %(interval)s)", mean=format_mean(figure.mean),
             level=stated_level(), interval=format_interval(figure))


def stated_level() -> str:
    """The stated level in words: "95%"."""
    return _("%(level)d%%", level=round(LEVEL * 100))


def noise_effect(round_) -> dict | None:
    """What the noise added at closing means for a reader: ε per question, and how far it typically moves
    a mean of 5, 20 and 100 raters (app.ratings.noise). None for a round published with exact counts."""
    if not round_.noise_scale:
        return None
    return {"epsilon": number(epsilon(round_.noise_scale)),
            **{f"shift{n}": number(typical_shift(n, round_.noise_scale), "hundredths") for n in (5, 20, 100)}}


def band(value) -> int:
    """Which of five colour bands a shown mean falls into: 1.0–1.7, 1.8–2.5, 2.6–3.3, 3.4–4.1, 4.2–5.0."""
    tenths = int((value if isinstance(value, Decimal) else rounded(value)) * 10)
    return max(1, min(5, (tenths - 10) // 8 + 1))


BANDS = ("1.0–1.7", "1.8–2.5", "2.6–3.3", "3.4–4.1", "4.2–5.0")


# Rounds in time ----------------------------------------------------------------------------------

def _chronology(round_: Round) -> tuple:
    return round_.closes_on, round_.opens_on, round_.id


def published_rounds(newest_first: bool = False, with_departments: bool = False) -> list[Round]:
    query = sa.select(Round).where(Round.state == "published")
    if with_departments:  # for lists that name each round's departments: one query for all of them
        query = query.options(selectinload(Round.departments))
    rounds = sorted(db.session.scalars(query), key=_chronology)
    return rounds[::-1] if newest_first else rounds


class History:
    """The published rounds up to and including one, read together once through the gate."""

    def __init__(self, current: Round):
        self.current = current
        self.rounds = [r for r in published_rounds() if _chronology(r) <= _chronology(current)]
        self._results = results_of(self.rounds)

    def took_part(self, round_: Round, department: Department) -> bool:
        return self.results(round_).took_part(department.id)

    def results(self, round_: Round) -> RoundResults:
        return self._results[round_.id]

    @property
    def now(self) -> RoundResults:
        return self.results(self.current)

    def change(self, department: Department, measure, figure: Figure | None) -> Change | None:
        """The change since the last earlier round in which the department has a figure on this measure."""
        if figure is None:
            return None
        earlier = [r for r in reversed(self.rounds) if r.id != self.current.id]  # the most recent first
        for round_ in earlier:  # a department that did not take part has no figure in that round
            before = self.results(round_).total("service", department.id, measure)
            if before is not None:
                return Change(round_, rounded(before.mean), rounded(figure.mean) - rounded(before.mean),
                              differs(figure.estimate, before.estimate))
        return None

    def trend(self, department: Department) -> list[TrendPoint]:
        """The department's overall mean (others' view) in each round up to the current one."""
        points = []
        for round_ in self.rounds:
            took_part = self.took_part(round_, department)
            figure = self.results(round_).total("service", department.id, OVERALL) if took_part else None
            points.append(TrendPoint(round_, figure, took_part))
        return points


@dataclass(frozen=True)
class Change:
    since: Round
    before: Decimal  # the mean shown for that round
    delta: Decimal  # shown mean now minus shown mean then
    beyond_noise: bool  # the two rounds' means differ at the stated level (Welch's t-test)

    @property
    def direction(self) -> str:
        """"up" or "down" only for a change beyond noise: a smaller one gets no arrow."""
        if not self.beyond_noise:
            return "within_noise"
        return "up" if self.delta > 0 else "down" if self.delta < 0 else "same"


@dataclass(frozen=True)
class TrendPoint:
    round: Round
    figure: Figure | None
    took_part: bool

    @property
    def value(self) -> Decimal | None:
        return mean_of(self.figure)


def measures(round_: Round) -> list[tuple[str, str]]:
    """The measures a page may be filtered by: (value for the URL, label)."""
    return [(OVERALL, _("Overall")), *((str(rd.dimension_id), rd.dimension.name) for rd in round_.dimensions)]


def parse_measure(round_: Round, raw: str | None):
    """OVERALL or a dimension id asked in the round; None for anything else."""
    if raw in (None, "", OVERALL):
        return OVERALL
    if re.fullmatch(r"[0-9]{1,9}", raw) and any(rd.dimension_id == int(raw) for rd in round_.dimensions):
        return int(raw)
    return None


# Department scorecard ----------------------------------------------------------------------------

@dataclass(frozen=True)
class DimensionRow:
    label: str
    dimension: Dimension | None  # None for the overall row
    others: Figure | None
    self_view: Figure | None
    change: Change | None

    @property
    def gap(self) -> Decimal | None:
        """Self-assessment minus others' view, as shown."""
        if self.others is None or self.self_view is None:
            return None
        return rounded(self.self_view.mean) - rounded(self.others.mean)

    @property
    def wide_gap(self) -> bool:
        """The shown gap is more than a third of the scale, whether or not beyond noise."""
        return self.gap is not None and abs(self.gap) > GAP

    @property
    def flag(self) -> str | None:
        """A blind spot or hidden strength: a gap of more than a third of the scale that is also beyond
        noise (the self-assessment and the others' view differ at the stated level)."""
        if not self.wide_gap or not differs(self.self_view.estimate, self.others.estimate):
            return None
        return "blind_spot" if self.gap > 0 else "hidden_strength"  # blind: it thinks better of itself

    @property
    def gap_within_noise(self) -> bool:
        return self.wide_gap and self.flag is None


@dataclass
class Scorecard:
    round: Round
    department: Department
    rows: list[DimensionRow]
    overall: DimensionRow
    respondents: int | None
    comments: list[str]
    trend: list[TrendPoint]

    @property
    def _ranked(self) -> list[DimensionRow]:
        return sorted((row for row in self.rows if row.others), key=lambda row: row.others.mean)

    @property
    def weakest(self) -> list[DimensionRow]:
        """The dimensions with the lowest others' means among those shown (ties: the order asked)."""
        return self._ranked[:WEAKEST]

    @property
    def unclear(self) -> dict[str, DimensionRow]:
        """The weakest not clearly weaker than the fourth, by label: the fourth they are within noise of."""
        return _not_clearly_weaker(self._ranked, lambda row: row.others, lambda row: row.label)


def scorecard(round_: Round, department: Department, with_comments: bool,
              history: History | None = None) -> Scorecard:
    """One department's scorecard; pages showing several scorecards of a round share one `history`."""
    history = history or History(round_)
    now = history.now

    def row(label, dimension, measure):
        others = now.total("service", department.id, measure)
        return DimensionRow(label, dimension, others, now.total("self", department.id, measure),
                            history.change(department, measure, others))

    return Scorecard(
        round=round_,
        department=department,
        rows=[row(rd.dimension.name, rd.dimension, rd.dimension_id) for rd in round_.dimensions],
        overall=row(_("Overall"), None, OVERALL),
        respondents=now.respondents("service", department.id),
        comments=now.comments(department.id) if with_comments else [],
        trend=history.trend(department),
    )


# Company view ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class HeatmapRow:
    department: Department
    cells: list[Figure | None]  # one per dimension of the round, in its order
    overall: Figure | None
    respondents: int | None


@dataclass(frozen=True)
class Criterion:
    dimension: Dimension
    figure: Figure | None


@dataclass
class CompanyView:
    round: Round
    dimensions: list[Dimension]
    heatmap: list[HeatmapRow]
    criteria: list[Criterion]
    company_overall: Figure | None
    rates: list[ResponseRate]
    trend_rounds: list[Round]
    trends: list[tuple[Department, list[TrendPoint]]]

    @property
    def _ranked(self) -> list[Criterion]:
        return sorted((c for c in self.criteria if c.figure), key=lambda c: c.figure.mean)

    @property
    def weakest(self) -> list[Criterion]:
        return self._ranked[:WEAKEST]

    @property
    def unclear(self) -> dict[str, Criterion]:
        """The weakest criteria not clearly weaker than the fourth, by name: that fourth criterion."""
        return _not_clearly_weaker(self._ranked, lambda c: c.figure, lambda c: c.dimension.name)


def _not_clearly_weaker(ranked: list, figure_of, label_of) -> dict:
    """Which of the three weakest (by label) are within noise of the fourth weakest: the list's cut there is
    not beyond noise, so a reader should not read the three as clearly the weakest."""
    if len(ranked) <= WEAKEST:
        return {}
    fourth = ranked[WEAKEST]
    return {label_of(item): fourth for item in ranked[:WEAKEST]
            if not differs(figure_of(item).estimate, figure_of(fourth).estimate)}


def company_view(round_: Round) -> CompanyView:
    history = History(round_)
    now = history.now
    dimensions = [rd.dimension for rd in round_.dimensions]
    return CompanyView(
        round=round_,
        dimensions=dimensions,
        heatmap=[HeatmapRow(d, [now.total("service", d.id, dim.id) for dim in dimensions],
                            now.total("service", d.id, OVERALL), now.respondents("service", d.id))
                 for d in round_.departments],
        criteria=[Criterion(dim, now.company(dim.id)) for dim in dimensions],
        company_overall=now.company(OVERALL),
        rates=response_rates(round_),
        trend_rounds=history.rounds,
        trends=[(d, history.trend(d)) for d in round_.departments],
    )


# Service matrix ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Pair:
    """Two departments that each see the other: how A rates B beside how B rates A."""

    a: Department
    b: Department
    a_rates_b: Figure
    b_rates_a: Figure

    @property
    def difference(self) -> Decimal:
        return abs(rounded(self.a_rates_b.mean) - rounded(self.b_rates_a.mean))

    @property
    def wide(self) -> bool:
        return self.difference >= TENSION

    @cached_property  # the matrix page, its CSV and the workshop board ask again; a test is not free
    def tension(self) -> bool:
        """A point or more apart, and beyond noise at the stated level."""
        return self.wide and differs(self.a_rates_b.estimate, self.b_rates_a.estimate)

    @property
    def within_noise(self) -> bool:
        return self.wide and not self.tension


MATRIX_PAGE = 25  # rated departments (columns) a page of the service matrix shows


@dataclass
class MatrixPage:
    columns: list[Department]  # rated departments
    rows: list[Department | None]  # rater departments, None for the pooled "other departments"
    left_out: int  # rater departments without a figure in these columns


@dataclass
class Matrix:
    round: Round
    measure: object
    label: str
    columns: list[Department]  # rated departments
    raters: list[Department]  # rows; the pooled "other departments" row comes after them when present
    cells: dict[tuple[int | None, int], Figure]  # (rater id or None for the pool, rated id) -> figure

    @property
    def pooled(self) -> bool:
        return any(rater is None for rater, _target in self.cells)

    def cell(self, rater: Department | None, target: Department) -> Figure | None:
        return self.cells.get((rater.id if rater else None, target.id))

    @property
    def pairs(self) -> list[Pair]:
        """Pairs shown in both directions, the widest difference first."""
        found = []
        for i, a in enumerate(self.columns):
            for b in self.columns[i + 1:]:
                ab, ba = self.cell(a, b), self.cell(b, a)
                if ab is not None and ba is not None:
                    found.append(Pair(a, b, ab, ba))
        return sorted(found, key=lambda p: (-p.difference, p.a.name, p.b.name))

    @property
    def tensions(self) -> list[Pair]:
        return [p for p in self.pairs if p.tension]

    def page(self, number: int) -> MatrixPage:
        """The rated departments of one page, and the rows with a figure among them: on a company of 200
        departments the whole matrix was 40,000 cells, nearly all "not enough responses". A matrix of one
        page keeps every row."""
        columns = self.columns[(number - 1) * MATRIX_PAGE:number * MATRIX_PAGE]
        whole = len(columns) == len(self.columns)
        on_page = {c.id for c in columns}
        rating = {rater for rater, target in self.cells if target in on_page}  # None: the pool
        rows = [d for d in self.raters if whole or d.id in rating]
        left_out = len(self.raters) - len(rows)
        if None in rating:
            rows.append(None)
        return MatrixPage(columns, rows, left_out)


def service_matrix(round_: Round, measure) -> Matrix:
    results = RoundResults(round_)
    columns = list(round_.departments)
    cells: dict[tuple[int | None, int], Figure] = {}
    raters = {d.id: d for d in columns}
    for target in columns:
        for cell in results.breakdown(target.id, measure):
            cells[(cell.rater.id if cell.rater else None, target.id)] = cell.figure
            if cell.rater is not None:
                raters.setdefault(cell.rater.id, cell.rater)
    return Matrix(round_, measure, dict(measures(round_))[str(measure)], columns,
                  sorted(raters.values(), key=lambda d: d.name), cells)


# CSV: the same figures as the pages, one table a file ---------------------------------------------
# Each table is its header row, then its rows. Numbers stay numbers (Decimal, int) for the writer to lay out
# in the reader's convention (app.web.spreadsheet); a figure not shown is an empty cell, and the row's note
# says why.

SCORECARD_TABLES = {"respondents": _l("Respondents"), "dimensions": _l("Per dimension"),
                    "weakest": _l("The three weakest dimensions"), "trend": _l("Overall trend"),
                    "comments": _l("Comments")}
COMPANY_TABLES = {"heatmap": _l("How other departments see each department"),
                  "intervals": _l("Each department's means with their intervals"),
                  "criteria": _l("The company as its external clients see it"),
                  "weakest": _l("The company's three weakest criteria"), "rates": _l("Response rates"),
                  "trends": _l("Overall mean per round")}
MATRIX_TABLES = {"means": _l("Mean"), "raters": _l("Raters"), "intervals": _l("Means with their intervals"),
                 "pairs": _l("Both directions")}


def _na() -> str:
    return _("not enough responses")


def _empty(reason: str, names: list[str]) -> str:
    """Why a row leaves these cells empty: "not enough responses: Competence, Courtesy"."""
    return f"{reason}: {', '.join(names)}" if names else ""


def _note(*parts: str) -> str:
    return "; ".join(part for part in parts if part)


def _flag_text(row: DimensionRow) -> str:
    if row.gap_within_noise:
        return _("gap within noise")
    return {"blind_spot": _("blind spot"), "hidden_strength": _("hidden strength")}.get(row.flag, "")


def _bounds(figure: Figure | None) -> list:
    """The interval's two ends as CSV cells (empty without a figure)."""
    return list(interval_of(figure) or (None, None))


def _bounds_heads(what: str) -> list[str]:
    return [_("%(what)s: low (%(level)s)", what=what, level=stated_level()),
            _("%(what)s: high (%(level)s)", what=what, level=stated_level())]


def _change_note(change: Change | None) -> str:
    if change is None:
        return ""
    return _("beyond noise") if change.beyond_noise else _("within noise")


def _weakest_note(unclear: dict, label: str, label_of) -> str:
    fourth = unclear.get(label)
    return _("not clearly weaker than %(other)s", other=label_of(fourth)) if fourth is not None else ""


def scorecard_tables(card: Scorecard) -> dict[str, list[list]]:
    dimensions = [[_("Dimension"), _("Others' view"), *_bounds_heads(_("Others' view")), _("Raters"),
                   "1", "2", "3", "4", "5", _("Change"), _("Since"), _("Change beyond noise?"),
                   _("Self-assessment"), *_bounds_heads(_("Self-assessment")), _("Gap"), _("Note")]]
    for row in [*card.rows, card.overall]:
        # counts per score, as in the distribution table; the overall row has none
        distribution = list(row.others.distribution) if row.others and row.others.distribution else [None] * 5
        dimensions.append([
            row.label, mean_of(row.others), *_bounds(row.others), row.others.n if row.others else None,
            *distribution, row.change.delta if row.change else None,
            row.change.since.name if row.change else "",
            _change_note(row.change), mean_of(row.self_view), *_bounds(row.self_view), row.gap,
            _note(_na() if row.others is None else "",
                  _("self-assessment: not enough responses") if row.self_view is None else "",
                  _flag_text(row)),
        ])
    unclear = card.unclear
    tables = {
        "respondents": [[_("Round"), _("Department"), _("Respondents"), _("Note")],
                        [card.round.name, card.department.name, card.respondents,
                         _na() if card.respondents is None else ""]],
        "dimensions": dimensions,
        "weakest": [["#", _("Dimension"), _("Others' view"), *_bounds_heads(_("Others' view")), _("Note")],
                    *([i, row.label, mean_of(row.others), *_bounds(row.others),
                       _weakest_note(unclear, row.label, lambda fourth: fourth.label)]
                      for i, row in enumerate(card.weakest, start=1))],
        "trend": [[_("Round"), _("Others' view"), *_bounds_heads(_("Others' view")), _("Note")],
                  *([p.round.name, mean_of(p.figure) if p.took_part else None, *_bounds(p.figure),
                     _("did not take part") if not p.took_part else "" if p.figure else _na()]
                    for p in card.trend)],
    }
    if card.comments:
        tables["comments"] = [[_("Comment")], *([text] for text in card.comments)]
    return tables


def company_tables(view: CompanyView) -> dict[str, list[list]]:
    heatmap = [[_("Department"), *(d.name for d in view.dimensions), _("Overall"), _("Respondents"),
                _("Note")]]
    for line in view.heatmap:
        empty = [d.name for d, f in zip(view.dimensions, line.cells, strict=True) if f is None]
        if line.overall is None:
            empty.append(_("Overall"))
        heatmap.append([line.department.name, *(mean_of(f) for f in line.cells), mean_of(line.overall),
                        line.respondents, _empty(_na(), empty)])
    intervals = [[_("Department"), _("Dimension"), _("Mean"), *_bounds_heads(_("Mean")), _("Raters")]]
    for line in view.heatmap:
        for name, figure in [*zip((d.name for d in view.dimensions), line.cells, strict=True),
                             (_("Overall"), line.overall)]:
            if figure is not None:
                intervals.append([line.department.name, name, mean_of(figure), *_bounds(figure), figure.n])
    criteria = [[_("Criterion"), _("Mean"), *_bounds_heads(_("Mean")), _("Raters"), _("Note")]]
    criteria += [[name, mean_of(figure), *_bounds(figure), figure.n if figure else None,
                  "" if figure else _na()]
                 for name, figure in [*((c.dimension.name, c.figure) for c in view.criteria),
                                      (_("Overall"), view.company_overall)]]
    trends = [[_("Department"), *(r.name for r in view.trend_rounds), _("Note")]]
    for department, points in view.trends:
        absent = [p.round.name for p in points if not p.took_part]
        too_few = [p.round.name for p in points if p.took_part and p.figure is None]
        trends.append([department.name, *(mean_of(p.figure) if p.took_part else None for p in points),
                       _note(_empty(_("did not take part"), absent), _empty(_na(), too_few))])
    return {
        "heatmap": heatmap,
        "intervals": intervals,
        "criteria": criteria,
        "weakest": [["#", _("Criterion"), _("Mean"), *_bounds_heads(_("Mean")), _("Note")],
                    *([i, c.dimension.name, mean_of(c.figure), *_bounds(c.figure),
                       _weakest_note(view.unclear, c.dimension.name, lambda fourth: fourth.dimension.name)]
                      for i, c in enumerate(view.weakest, start=1))],
        "rates": [[_("Department"), _("People"), _("Started"), _("Finished"), _("Share finished")],
                  *([r.department.name, r.members, r.started, r.finished, percent(r.finished, r.members)]
                    for r in view.rates)],
        "trends": trends,
    }


def matrix_tables(matrix: Matrix) -> dict[str, list[list]]:
    row_heads = [(d, d.name) for d in matrix.raters]
    if matrix.pooled:
        row_heads.append((None, _("Other departments")))
    tables = {}
    # The screen shows mean and raters in each cell; here they are two grids, so both stay numbers.
    for name, value in (("means", mean_of), ("raters", lambda f: f.n if f else None)):
        grid = [[_("Rater ↓ / rated →"), *(d.name for d in matrix.columns), _("Note")]]
        for rater, rater_name in row_heads:
            own = rater.id if rater else None  # a department does not rate itself: its own cell stays empty
            cells = [(target, matrix.cell(rater, target)) for target in matrix.columns]
            grid.append([rater_name, *(value(f) for _t, f in cells),
                         _empty(_na(), [t.name for t, f in cells if f is None and t.id != own])])
        tables[name] = grid
    tables["intervals"] = [[_("Rater department"), _("Rated department"), _("Mean"),
                            *_bounds_heads(_("Mean")), _("Raters")],
                           *([rater_name, target.name, mean_of(f), *_bounds(f), f.n]
                             for rater, rater_name in row_heads for target in matrix.columns
                             if (f := matrix.cell(rater, target)) is not None)]
    tables["pairs"] = [[_("Department A"), _("Department B"), _("A rates B"), *_bounds_heads(_("A rates B")),
                        _("B rates A"), *_bounds_heads(_("B rates A")), _("Difference"), _("Tension")],
                       *([p.a.name, p.b.name, mean_of(p.a_rates_b), *_bounds(p.a_rates_b),
                          mean_of(p.b_rates_a), *_bounds(p.b_rates_a), p.difference,
                          _("yes") if p.tension else _("within noise") if p.within_noise else ""]
                         for p in matrix.pairs)]
    return tables
