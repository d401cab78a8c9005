"""Page data for published results, from rounds run through the real services.

`Survey` (also used by the page tests) runs a round: people of one department rate another, then the
round is closed and published exactly as the facilitator's pages do it.
"""
import itertools
import re
from datetime import date
from decimal import Decimal

import pytest

from app.database import erase_deleted_rows
from app.dimensions.services import ordered, seed_default_dimensions
from app.extensions import db
from app.ratings import services
from app.reports import results
from app.reports.gate import OVERALL
from tests.factories import PASSWORD, make_department, make_user

_people = itertools.count(1)


class Survey:
    """One round, opened by a facilitator; `rate` makes new people who submit; `publish` ends it."""

    def __init__(self, facilitator, departments, k=3, name="Spring", opens=date(2026, 3, 1),
                 closes=date(2026, 3, 31)):
        self.facilitator = facilitator
        self.round = services.save_round(facilitator, None, name, opens, closes, k, list(departments))
        services.open_round(facilitator, self.round)
        db.session.commit()
        self.dimensions = [rd.dimension_id for rd in self.round.dimensions]

    def scores(self, spec) -> dict[int, int]:
        """An int gives every dimension that score; a list gives the dimensions' scores in order."""
        values = [spec] * len(self.dimensions) if isinstance(spec, int) else list(spec)
        values += [values[-1]] * (len(self.dimensions) - len(values))
        return dict(zip(self.dimensions, values, strict=True))

    def people(self, department, n):
        return [make_user(f"rater{next(_people)}@example.com", department=department) for _ in range(n)]

    def rate(self, rater_department, target, specs, comments=(), people=None):
        """Each spec is one person's scores about `target` ("self", "company" or a department)."""
        people = people or self.people(rater_department, len(specs))
        db.session.commit()
        comments = list(comments) + [""] * (len(specs) - len(comments))
        for person, spec, comment in zip(people, specs, comments, strict=True):
            key = target if isinstance(target, str) else f"d{target.id}"
            found = services.find_target(person, self.round, key)
            services.submit(person, self.round, found, self.scores(spec), comment)
            db.session.commit()
        return people

    def publish(self):
        services.close_round(self.facilitator, self.round)
        db.session.commit()
        erase_deleted_rows()
        services.publish_round(self.facilitator, self.round)
        db.session.commit()
        return self.round


def sign_in_as(client, person) -> None:
    """Sign in as this person, whoever was signed in before."""
    client.post("/logout")
    assert client.sign_in(person.email, PASSWORD).status_code == 303


def words(html: str) -> str:
    """What a page says, markup and attributes (chart coordinates too) left out."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def company(app):
    """Finance, Sales, Support and Legal, no rounds yet, and a facilitator."""
    seed_default_dimensions()
    departments = {code: make_department(name, code) for code, name in
                   (("FIN", "Finance"), ("SAL", "Sales"), ("SUP", "Support"), ("LEG", "Legal"))}
    facilitator = make_user("fac@example.com", "Fay Facilitator", is_facilitator=True)
    db.session.commit()
    return {**departments, "facilitator": facilitator}


def survey(company, **options) -> Survey:
    return Survey(company["facilitator"], [company[c] for c in ("FIN", "SAL", "SUP", "LEG")], **options)


# Numbers as shown --------------------------------------------------------------------------------

@pytest.mark.parametrize("value,shown", [(2.25, "2.3"), (2.35, "2.4"), (3.04999, "3.0"), (4.95, "5.0"),
                                         (1, "1.0")])
def test_means_are_rounded_half_up_to_one_decimal(value, shown):
    assert str(results.rounded(value)) == shown


@pytest.mark.parametrize("value,expected", [(1.0, 1), (1.74, 1), (1.75, 2), (2.5, 2), (2.6, 3), (3.3, 3),
                                            (3.4, 4), (4.1, 4), (4.2, 5), (5.0, 5)])
def test_five_colour_bands(value, expected):
    assert results.band(value) == expected


# Scorecard ---------------------------------------------------------------------------------------

def test_scorecard_flags_blind_spots_and_hidden_strengths(company):
    s = survey(company)
    finance = company["FIN"]
    s.rate(company["SAL"], finance, [[2, 4, 3, 3, 3, 3, 3, 3, 3]] * 3)
    s.rate(finance, "self", [[4, 2, 4, 5, 4, 3, 3, 3, 3], [4, 2, 4, 5, 4, 3, 3, 3, 3],
                             [4, 2, 5, 4, 4, 3, 3, 3, 3]])
    s.publish()
    card = results.scorecard(s.round, finance, with_comments=True)
    assert [(row.gap, row.flag) for row in card.rows[:6]] == [
        (Decimal("2.0"), "blind_spot"),  # the others rate it 2 points lower than it rates itself
        (Decimal("-2.0"), "hidden_strength"),
        (Decimal("1.3"), None),  # 4.3 against 3.0: not more than a third of the scale
        (Decimal("1.7"), "blind_spot"),
        (Decimal("1.0"), None),
        (Decimal("0.0"), None),
    ]


def test_the_three_weakest_are_the_lowest_shown_means(company):
    s = survey(company)
    finance = company["FIN"]
    s.rate(company["SAL"], finance, [[5, 2, 4, 1, 3, 5, 5, 2, 5], [5, 3, 4, 1, 3, 5, 5, 2, 5],
                                     [5, 2, 4, 2, 3, 5, 5, 2, 5]])
    s.publish()
    card = results.scorecard(s.round, finance, with_comments=False)
    dims = ordered()
    assert [row.dimension for row in card.weakest] == [dims[3], dims[7], dims[1]]
    assert [str(results.rounded(row.others.mean)) for row in card.weakest] == ["1.3", "2.0", "2.3"]


def test_weakest_leaves_out_dimensions_without_a_figure(company):
    s = survey(company)
    finance = company["FIN"]
    # 0 = "can't judge": two of three raters can't judge the first dimension, so it has no figure
    s.rate(company["SAL"], finance, [[1, 4, 4, 3, 5], [0, 4, 4, 3, 5], [0, 4, 4, 3, 5]])
    s.publish()
    card = results.scorecard(s.round, finance, with_comments=False)
    assert card.rows[0].others is None
    assert card.rows[0].dimension not in [row.dimension for row in card.weakest]
    assert str(results.rounded(card.weakest[0].others.mean)) == "3.0"


def test_change_since_the_last_round_with_a_figure(company):
    finance, sales, support = company["FIN"], company["SAL"], company["SUP"]
    first = survey(company, name="Spring", opens=date(2026, 3, 1), closes=date(2026, 3, 31))
    first.rate(sales, finance, [2, 2, 3])
    first.publish()
    second = survey(company, name="Summer", opens=date(2026, 6, 1), closes=date(2026, 6, 30))
    second.rate(support, sales, [4, 4, 4])  # Finance has no figure in summer
    second.publish()
    third = survey(company, name="Autumn", opens=date(2026, 9, 1), closes=date(2026, 9, 30))
    third.rate(sales, finance, [4, 3, 3])
    third.publish()
    card = results.scorecard(third.round, finance, with_comments=False)
    change = card.rows[0].change
    assert change.since.name == "Spring"
    # up by 1.0, but three raters a round who disagree: that could be chance, so no arrow
    assert (change.before, change.delta, change.direction) == (Decimal("2.3"), Decimal("1.0"), "within_noise")
    assert not change.beyond_noise
    assert [p.value for p in card.trend] == [Decimal("2.3"), None, Decimal("3.3")]
    # seen from the first round, there is nothing earlier, and later rounds are not part of its story
    early = results.scorecard(first.round, finance, with_comments=False)
    assert early.rows[0].change is None
    assert [p.round.name for p in early.trend] == ["Spring"]


def test_comments_only_when_enough_people_rated(company):
    s = survey(company)
    s.rate(company["SAL"], company["FIN"], [4, 4, 4], comments=["Quick answers", "", "Kind people"])
    s.rate(company["SAL"], company["SUP"], [3, 3], comments=["Slow tickets", "Lost my request"])
    s.publish()
    released = results.scorecard(s.round, company["FIN"], True).comments
    assert sorted(released) == ["Kind people", "Quick answers"]
    assert results.scorecard(s.round, company["SUP"], True).comments == []
    assert results.scorecard(s.round, company["FIN"], False).comments == []


# Company view ------------------------------------------------------------------------------------

def test_company_view_weakest_criteria_and_trends(company):
    s = survey(company)
    s.rate(company["SAL"], "company", [[3, 1, 4, 2, 5, 5, 4, 2, 5]] * 2)
    s.rate(company["FIN"], "company", [[3, 2, 4, 2, 5, 5, 4, 3, 5]])
    s.rate(company["SAL"], company["FIN"], [4, 4, 4])
    s.publish()
    view = results.company_view(s.round)
    dims = ordered()
    assert [c.dimension for c in view.weakest] == [dims[1], dims[3], dims[7]]
    assert [str(results.rounded(c.figure.mean)) for c in view.weakest] == ["1.3", "2.0", "2.3"]
    finance_row = next(line for line in view.heatmap if line.department == company["FIN"])
    assert str(results.rounded(finance_row.overall.mean)) == "4.0" and finance_row.respondents == 3
    legal_row = next(line for line in view.heatmap if line.department == company["LEG"])
    assert legal_row.overall is None and legal_row.respondents is None and set(legal_row.cells) == {None}
    assert [(d.name, [p.value for p in points]) for d, points in view.trends if d == company["FIN"]] == [
        ("Finance", [Decimal("4.0")])]


# Service matrix ----------------------------------------------------------------------------------

def test_matrix_pools_small_rater_groups_into_other_departments(company):
    finance, sales, support, legal = (company[c] for c in ("FIN", "SAL", "SUP", "LEG"))
    s = survey(company)
    s.rate(sales, finance, [4, 4, 4])
    s.rate(support, finance, [2, 2])
    s.rate(legal, finance, [3])
    s.publish()
    matrix = results.service_matrix(s.round, OVERALL)
    assert str(results.rounded(matrix.cell(sales, finance).mean)) == "4.0"
    assert matrix.cell(support, finance) is None and matrix.cell(legal, finance) is None
    pool = matrix.cell(None, finance)
    assert pool.n == 3 and str(results.rounded(pool.mean)) == "2.3"
    assert matrix.pooled


def test_matrix_lists_pairs_rated_both_ways_and_their_tensions(company):
    finance, sales, support = company["FIN"], company["SAL"], company["SUP"]
    s = survey(company)
    s.rate(sales, finance, [2, 2, 2])
    s.rate(finance, sales, [4, 4, 3])
    s.rate(support, finance, [3, 3, 3])
    s.rate(finance, support, [3, 4, 3])
    s.publish()
    matrix = results.service_matrix(s.round, OVERALL)
    pairs = [(p.a.name, p.b.name, str(p.difference), p.tension) for p in matrix.pairs]
    assert pairs == [("Finance", "Sales", "1.7", True), ("Finance", "Support", "0.3", False)]
    assert [(p.a.name, p.b.name) for p in matrix.tensions] == [("Finance", "Sales")]


def test_unknown_measures_are_refused(company):
    s = survey(company)
    s.publish()
    assert results.parse_measure(s.round, "overall") == OVERALL
    assert results.parse_measure(s.round, str(s.dimensions[2])) == s.dimensions[2]
    for raw in ("x", "-1", "999999", "1.5", "overall ", "²", "١", "9" * 40):
        assert results.parse_measure(s.round, raw) is None


# Beyond noise ------------------------------------------------------------------------------------
# Each crafted so that the answer is known (tests/test_stats.py checks the rates over many draws).

def spread_out(counts: dict[int, int]) -> list[int]:
    """One score per person: {2: 3, 4: 1} → [2, 2, 2, 4]."""
    return [score for score, n in counts.items() for _ in range(n)]


@pytest.mark.parametrize("k", [3, 5, 10])
def test_a_real_change_gets_an_arrow_and_a_resample_is_within_noise_for_every_k(company, k):
    """15 Sales raters a round: Finance from 2.5 to 3.8 is marked; the same spread again is not."""
    finance, sales = company["FIN"], company["SAL"]
    poor = spread_out({1: 3, 2: 5, 3: 4, 4: 2, 5: 1})  # 2.5
    good = spread_out({2: 1, 3: 4, 4: 7, 5: 3})  # 3.8
    again = spread_out({2: 1, 3: 5, 4: 6, 5: 3})  # 3.7: the same people, a slightly different day
    cards = []
    for name, month, scores in (("Spring", 3, poor), ("Summer", 6, good), ("Autumn", 9, again)):
        s = survey(company, k=k, name=name, opens=date(2026, month, 1), closes=date(2026, month, 28))
        s.rate(sales, finance, scores)
        cards.append(results.scorecard(s.publish(), finance, with_comments=False))
    summer, autumn = cards[1].overall.change, cards[2].overall.change
    assert (summer.delta, summer.beyond_noise, summer.direction) == (Decimal("1.3"), True, "up")
    assert (autumn.delta, autumn.beyond_noise, autumn.direction) == (Decimal("-0.1"), False, "within_noise")
    low, high = results.interval_of(cards[1].rows[0].others)
    assert (low, high) == (Decimal("3.3"), Decimal("4.3"))  # 15 raters: a point wide


def test_a_wide_gap_that_could_be_noise_is_not_a_blind_spot(company):
    """Self 4.7 against others 3.0 is more than a third of the scale apart; but the three others answer
    1, 3 and 5, so their mean could well be 4.7 too."""
    finance = company["FIN"]
    s = survey(company)
    s.rate(company["SAL"], finance, [1, 3, 5])
    s.rate(finance, "self", [5, 5, 4])
    s.publish()
    row = results.scorecard(s.round, finance, with_comments=False).rows[0]
    assert row.gap == Decimal("1.7") and row.wide_gap
    assert row.flag is None and row.gap_within_noise
    table = results.scorecard_tables(results.scorecard(s.round, finance, with_comments=False))["dimensions"]
    assert table[1][-1] == "gap within noise"


def test_a_difference_of_a_point_that_could_be_noise_is_not_a_tension(company):
    finance, sales = company["FIN"], company["SAL"]
    s = survey(company)
    s.rate(sales, finance, [1, 3, 5, 2])  # 2.8, spread wide
    s.rate(finance, sales, [5, 3, 4, 3])  # 3.8
    s.publish()
    pair = results.service_matrix(s.round, s.dimensions[0]).pairs[0]
    assert pair.difference == Decimal("1.0") and pair.wide
    assert not pair.tension and pair.within_noise
    assert results.matrix_tables(results.service_matrix(s.round, s.dimensions[0]))["pairs"][1][-1] == \
        "within noise"


def test_overall_figures_carry_an_interval_from_the_dimensions_spread(company):
    finance = company["FIN"]
    s = survey(company)
    s.rate(company["SAL"], finance, [[1, 2, 3, 4, 5, 1, 2, 3, 4], [5, 4, 3, 2, 1, 5, 4, 3, 2],
                                     [3, 3, 3, 3, 3, 3, 3, 3, 3], [2, 4, 2, 4, 2, 4, 2, 4, 2]])
    s.publish()
    card = results.scorecard(s.round, finance, with_comments=False)
    low, high = results.interval_of(card.overall.others)
    assert low < results.rounded(card.overall.others.mean) < high
    # the overall spread is bounded by the dimensions' average spread: no wider than theirs
    widths = [results.interval_of(row.others) for row in card.rows]
    assert high - low <= max(h - lo for lo, h in widths)
