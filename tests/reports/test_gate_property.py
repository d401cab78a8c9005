"""The gate's promise over random companies: random departments, memberships, service maps, thresholds
and answers go through the real services; then every number the round publishes is checked against what
was really answered. Nothing published is over fewer than k raters, no total minus visible parts isolates
fewer than k, and nothing is lost or counted twice."""
import itertools
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.ratings import services
from app.ratings.models import CANT_JUDGE
from app.reports.gate import OVERALL, RoundResults
from tests.factories import link, make_department, make_user
from tests.ratings.test_services import CLOSES, OPENS, add_dimensions, asked, person

KINDS = ("service", "self", "company")


@st.composite
def companies(draw):
    n = draw(st.integers(2, 6))
    pairs = list(itertools.permutations(range(n), 2))  # (provider, client)
    switched = draw(st.lists(st.booleans(), min_size=len(pairs), max_size=len(pairs)))
    return {
        "sizes": draw(st.lists(st.integers(0, 12), min_size=n, max_size=n)),
        "links": [pair for pair, on in zip(pairs, switched, strict=True) if on],
        "k": draw(st.integers(3, 6)),
        "random": draw(st.randoms(use_true_random=False)),
    }


def answers(rng, dimensions) -> dict[int, int]:
    return {d: CANT_JUDGE if rng.random() < 0.15 else rng.randint(1, 5) for d in dimensions}


def build(company, facilitator):
    """The company, its round, everyone's answers through the services; returns what was answered."""
    rng = company["random"]
    departments = [make_department() for _ in company["sizes"]]
    for provider, client in company["links"]:
        link(departments[provider], departments[client])
    people = [person(d) for d, size in zip(departments, company["sizes"], strict=True) for _ in range(size)]
    round_ = services.save_round(facilitator, None, "Random", OPENS, CLOSES, company["k"], departments)
    services.open_round(facilitator, round_)
    db.session.commit()
    dimensions = asked(round_)
    truth = []  # (rater department id, kind, rated department id, scores)
    for someone in rng.sample(people, len(people)):
        targets = services.targets_for(someone, round_)
        targets += [services.find_target(someone, round_, f"d{d.id}")
                    for d in services.addable_departments(someone, round_) if rng.random() < 0.1]
        for target in targets:
            roll = rng.random()
            if roll < 0.25:
                continue  # not answered
            if roll < 0.35:
                services.skip(someone, round_, target)
                continue
            scores = answers(rng, dimensions)
            services.submit(someone, round_, target, scores)
            rated = target.department.id if target.kind == "service" else someone.department_id
            truth.append((someone.department_id, target.kind, rated, scores))
        db.session.commit()
    services.close_round(facilitator, round_)
    services.publish_round(facilitator, round_)
    db.session.commit()
    return round_, departments, dimensions, truth


def value(scores: dict[int, int], measure):
    """What one ballot gives a measure: a score, its own mean for OVERALL, None if it can't judge."""
    if measure == OVERALL:
        judged = [s for s in scores.values() if s != CANT_JUDGE]
        return sum(judged) / len(judged) if judged else None
    return None if scores[measure] == CANT_JUDGE else scores[measure]


def true_groups(truth, kind, rated, measure) -> dict[int, list]:
    """Rater department id -> the values its raters really gave."""
    groups = defaultdict(list)
    for rater, k, target, scores in truth:
        if k == kind and (rated is None or target == rated) and (v := value(scores, measure)) is not None:
            groups[rater].append(v)
    return groups


def check_figure(figure, values, k, with_distribution):
    if len(values) < k:
        assert figure is None
        return
    assert figure.n == len(values) >= k
    assert figure.mean == pytest.approx(sum(values) / len(values))
    if with_distribution:
        assert figure.distribution == tuple(values.count(s) for s in range(1, 6))


def check_partition(total_n, cells, k):
    """(ii) The total minus any set of the visible cells leaves nobody, or at least k people."""
    visible = [c.figure.n for c in cells if c.rater is not None]
    for size in range(len(visible) + 1):
        for shown in itertools.combinations(visible, size):
            rest = total_n - sum(shown)
            assert rest == 0 or rest >= k, (total_n, visible, shown)


def check_breakdown(results, truth, target, measure, k, departments):
    groups = true_groups(truth, "service", target.id, measure)
    total_n = sum(len(v) for v in groups.values())
    cells = results.breakdown(target.id, measure)
    if total_n < k:
        assert cells == []
        return
    assert all(c.figure.n >= k for c in cells)  # (i)
    shown = {c.rater.id for c in cells if c.rater is not None}
    assert len(shown) == len([c for c in cells if c.rater is not None])
    for cell in cells:
        if cell.rater is not None:  # (iv) a department alone only with k raters or more, and truly
            values = groups[cell.rater.id]
            assert len(values) >= k and cell.figure.n == len(values)
            assert cell.figure.mean == pytest.approx(sum(values) / len(values))
    pooled = [c for c in cells if c.rater is None]
    hidden = [v for rater, values in groups.items() if rater not in shown for v in values]
    if hidden:  # (iii) the pool is exactly everyone not shown, nothing lost, nothing twice
        [pool] = pooled
        assert pool.figure.n == len(hidden) == total_n - sum(c.figure.n for c in cells if c.rater)
        assert pool.figure.mean == pytest.approx(sum(hidden) / len(hidden))
    else:
        assert pooled == []
    assert sum(c.figure.n for c in cells) == results.total("service", target.id, measure).n
    check_partition(total_n, cells, k)


def check_round(round_, departments, dimensions, truth):
    results, k = RoundResults(round_), round_.threshold
    measures = [*dimensions, OVERALL]
    for target in departments:
        for kind in ("service", "self"):  # the company is read only as a whole, below
            ballots = sum(1 for _r, kd, t, _s in truth if kd == kind and t == target.id)
            respondents = results.respondents(kind, target.id)
            assert respondents == (ballots if ballots >= k else None)
            for measure in measures:
                values = [v for vs in true_groups(truth, kind, target.id, measure).values() for v in vs]
                check_figure(results.total(kind, target.id, measure), values, k, measure != OVERALL)
        for measure in measures:
            check_breakdown(results, truth, target, measure, k, departments)
        if results.respondents("service", target.id) is None:
            assert results.comments(target.id) == []
    for measure in measures:
        values = [v for vs in true_groups(truth, "company", None, measure).values() for v in vs]
        check_figure(results.company(measure), values, k, measure != OVERALL)


@pytest.fixture
def facilitator(app):
    add_dimensions(3)
    someone = make_user(is_facilitator=True, password=None)
    db.session.commit()
    return someone


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(company=companies())
def test_every_published_number_is_over_k_raters_and_true(facilitator, company):
    # Each example builds new departments and a new round in the same database, so ids never repeat.
    round_, departments, dimensions, truth = build(company, facilitator)
    check_round(round_, departments, dimensions, truth)
