"""The publishing gate: every published number is over at least k raters, small rater groups are pooled
into "other departments", and no total minus its visible parts isolates fewer than k people."""
import pytest

from app.extensions import db
from app.ratings import services
from app.reports.gate import OVERALL, NotPublished, RoundResults, split_groups
from tests.factories import link, make_department, make_user
from tests.ratings.test_services import (
    CLOSES,
    OPENS,
    add_dimensions,
    asked,
    close,
    person,
    publish,
    rate,
    same_scores,
    start_round,
)

# split_groups ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("sizes", "k", "visible", "pooled"), [
    ({1: 6, 2: 7}, 5, [1, 2], []),  # everyone big enough: nothing pooled
    ({1: 6, 2: 3, 3: 2}, 5, [1], [2, 3]),  # the small ones together reach k
    ({1: 6, 2: 5, 3: 2}, 5, [1], [3, 2]),  # one small group: the smallest visible one joins it
    ({1: 5, 2: 5, 3: 2}, 5, [2], [3, 1]),  # a tie in size goes by id
    ({1: 6, 2: 1}, 5, [], [2, 1]),  # only one other group: both pooled, the pool is the total
    ({1: 2, 2: 2}, 5, [], []),  # fewer than k in all: nothing at all
    ({1: 4, 2: 0, 3: 0}, 3, [1], []),  # empty groups are no groups
    ({}, 5, [], []),
    ({1: 3, 2: 2, 3: 2, 4: 9}, 3, [1, 4], [2, 3]),
])
def test_split_groups(sizes, k, visible, pooled):
    assert split_groups(sizes, k) == (visible, pooled)


@pytest.mark.parametrize("sizes", [{1: 6, 2: 5, 3: 2}, {1: 3, 2: 4, 3: 1, 4: 1}, {1: 9, 2: 1},
                                   {1: 5, 2: 5, 3: 5, 4: 4}, {1: 12, 2: 2, 3: 2, 4: 12}])
@pytest.mark.parametrize("k", [3, 4, 5, 6])
def test_what_split_groups_shows_is_big_enough_and_what_it_hides_is_zero_or_big_enough(sizes, k):
    visible, pooled = split_groups(sizes, k)
    assert all(sizes[g] >= k for g in visible)
    assert sum(sizes[g] for g in pooled) in (0, *range(k, 1000))
    if sum(sizes.values()) >= k:
        assert sorted(visible + pooled) == sorted(g for g, n in sizes.items() if n)


# RoundResults over real answers ------------------------------------------------------------------

@pytest.fixture
def world(app):
    """Finance serves Sales (6 people), Legal (5) and Operations (2); k = 5."""
    add_dimensions(3)
    finance = make_department("Finance", "FIN")
    sales, legal, ops = make_department("Sales", "SAL"), make_department("Legal", "LEG"), \
        make_department("Operations", "OPS")
    for client in (sales, legal, ops):
        link(finance, client)
    facilitator = make_user(is_facilitator=True, password=None)
    people = {d.code: [person(d) for _ in range(n)] for d, n in ((sales, 6), (legal, 5), (ops, 2))}
    db.session.commit()
    round_ = start_round(facilitator, [finance, sales, legal, ops])
    return {"round": round_, "facilitator": facilitator, "finance": finance, "sales": sales,
            "legal": legal, "ops": ops, "people": people}


def finish(world) -> RoundResults:
    close(world["facilitator"], world["round"])
    publish(world["facilitator"], world["round"])
    return RoundResults(world["round"])


def everyone_rates_finance(world, value_of: dict[str, int], comment: bool = False):
    round_, finance = world["round"], world["finance"]
    for code, people in world["people"].items():
        for i, someone in enumerate(people):
            rate(someone, round_, f"d{finance.id}", same_scores(round_, value_of[code]),
                 f"{code} note {i}" if comment else "")


def measures(world) -> list:
    return [*asked(world["round"]), OVERALL]


def test_a_department_rated_by_fewer_than_k_shows_nothing(world):
    round_, finance = world["round"], world["finance"]
    for someone in world["people"]["SAL"][:4]:
        rate(someone, round_, f"d{finance.id}", same_scores(round_, 3), "a comment")
    results = finish(world)
    for measure in measures(world):
        assert results.total("service", finance.id, measure) is None
        assert results.breakdown(finance.id, measure) == []
    assert results.respondents("service", finance.id) is None
    assert results.comments(finance.id) == []


def test_breakdown_pools_a_small_group_with_the_smallest_visible_one(world):
    everyone_rates_finance(world, {"SAL": 2, "LEG": 4, "OPS": 5})
    results = finish(world)
    finance, sales = world["finance"], world["sales"]
    for measure in measures(world):
        cells = results.breakdown(finance.id, measure)
        # Operations (2) alone would be a pool under k: Legal (5, smaller than Sales) is pooled with it.
        assert [(c.rater, c.figure.n) for c in cells] == [(sales, 6), (None, 7)]
        assert cells[0].figure.mean == pytest.approx(2)
        assert cells[1].figure.mean == pytest.approx((5 * 4 + 2 * 5) / 7)
        total = results.total("service", finance.id, measure)
        assert total.n == 13 and total.mean == pytest.approx((6 * 2 + 5 * 4 + 2 * 5) / 13)


def test_small_groups_that_reach_k_together_are_pooled_alone(world):
    round_, finance, sales = world["round"], world["finance"], world["sales"]
    everyone = world["people"]
    for someone in everyone["SAL"]:
        rate(someone, round_, f"d{finance.id}", same_scores(round_, 2))
    for someone in everyone["LEG"][:3] + everyone["OPS"]:
        rate(someone, round_, f"d{finance.id}", same_scores(round_, 4))
    results = finish(world)
    cells = results.breakdown(finance.id, OVERALL)
    assert [(c.rater, c.figure.n, c.figure.mean) for c in cells] == [(sales, 6, 2), (None, 5, 4)]


def test_a_group_that_cannot_judge_a_dimension_shrinks_on_that_dimension_only(world):
    round_, finance = world["round"], world["finance"]
    first, second, third = asked(round_)
    sellers = world["people"]["SAL"]
    for someone in sellers[:5]:
        rate(someone, round_, f"d{finance.id}", same_scores(round_, 3))
    rate(sellers[5], round_, f"d{finance.id}", {first: 0, second: 3, third: 3})
    results = finish(world)
    assert results.total("service", finance.id, first).n == 5
    assert results.total("service", finance.id, second).n == 6
    assert results.respondents("service", finance.id) == 6


def test_published_figures_add_up_to_their_totals(world):
    everyone_rates_finance(world, {"SAL": 1, "LEG": 3, "OPS": 5})
    round_, finance = world["round"], world["finance"]
    results = finish(world)
    for measure in measures(world):
        total = results.total("service", finance.id, measure)
        cells = results.breakdown(finance.id, measure)
        assert sum(c.figure.n for c in cells) == total.n
        assert sum(c.figure.n * c.figure.mean for c in cells) == pytest.approx(total.n * total.mean)
        assert all(c.figure.n >= round_.threshold for c in cells)
        assert all(c.figure.distribution is None for c in cells)
    distribution = results.total("service", finance.id, asked(round_)[0]).distribution
    assert distribution == (6, 0, 5, 0, 2)
    assert results.total("service", finance.id, OVERALL).distribution is None


def test_a_ballot_of_only_cant_judge_counts_as_a_respondent_but_not_in_the_means(world):
    round_, finance = world["round"], world["finance"]
    sellers = world["people"]["SAL"]
    for someone in sellers[:5]:
        rate(someone, round_, f"d{finance.id}", same_scores(round_, 4))
    rate(sellers[5], round_, f"d{finance.id}", same_scores(round_, 0))
    results = finish(world)
    assert results.respondents("service", finance.id) == 6
    overall = results.total("service", finance.id, OVERALL)
    assert (overall.n, overall.mean) == (5, 4)


def test_self_assessments_and_the_company_view(world):
    round_, sales, ops = world["round"], world["sales"], world["ops"]
    for i, someone in enumerate(world["people"]["SAL"]):
        rate(someone, round_, "self", same_scores(round_, 4))
        rate(someone, round_, "company", same_scores(round_, 1 + i % 2))
    for someone in world["people"]["OPS"]:
        rate(someone, round_, "self", same_scores(round_, 5))
        rate(someone, round_, "company", same_scores(round_, 5))
    results = finish(world)
    first = asked(round_)[0]
    assert results.total("self", sales.id, first).n == 6
    assert results.total("self", ops.id, first) is None  # two people: not enough
    assert results.respondents("self", sales.id) == 6 and results.respondents("self", ops.id) is None
    company = results.company(first)
    assert company.n == 8 and company.mean == pytest.approx((3 * 1 + 3 * 2 + 2 * 5) / 8)
    assert company.distribution == (3, 3, 0, 0, 2)
    assert results.company(OVERALL).n == 8


def test_comments_are_released_only_when_k_or_more_rated_the_department(world):
    everyone_rates_finance(world, {"SAL": 2, "LEG": 4, "OPS": 5}, comment=True)
    results = finish(world)
    released = results.comments(world["finance"].id)
    assert len(released) == 13 and "OPS note 1" in released
    assert results.comments(world["sales"].id) == []


@pytest.mark.parametrize("state", ["draft", "open", "closed"])
def test_unpublished_rounds_release_nothing(world, state):
    facilitator = world["facilitator"]
    round_ = world["round"]
    if state == "draft":
        round_ = services.save_round(facilitator, None, "Draft", OPENS, CLOSES, 5, [world["finance"],
                                                                                  world["sales"]])
        db.session.commit()
    elif state == "closed":
        close(facilitator, round_)
    with pytest.raises(NotPublished):
        RoundResults(round_)


def test_the_company_view_minus_the_departments_shown_never_isolates_a_small_group(world):
    """The company is read only as a whole: no department's part of it can be subtracted."""
    round_ = world["round"]
    for someone in world["people"]["SAL"]:
        rate(someone, round_, "company", same_scores(round_, 4))
    for someone in world["people"]["OPS"]:  # two people
        rate(someone, round_, "company", same_scores(round_, 1))
    results = finish(world)
    for measure in measures(world):
        assert results.company(measure).n == len(world["people"]["SAL"]) + 2
        for department in (world["finance"], world["sales"], world["legal"], world["ops"]):
            with pytest.raises(ValueError):
                results.total("company", department.id, measure)
