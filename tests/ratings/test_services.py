"""The rules of rating rounds: the state machine, whom each person rates, what a ballot must hold,
skipping, folding, what is left after closing, and response rates.

The helpers at the top are shared by the other anonymity and gate tests: they drive the services in the
order the pages do (submit, commit, fold this ballot's group, commit, erase deleted rows).
"""
import os
from collections import Counter
from datetime import date

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.database import erase_deleted_rows
from app.dimensions.models import Dimension
from app.dimensions.services import set_retired
from app.extensions import db
from app.ratings import services
from app.ratings.models import (
    BallotCount,
    Completion,
    Participation,
    PendingBallot,
    Round,
    Tally,
)
from app.ratings.sealing import unseal
from app.ratings.services import RatingError
from tests.factories import count, link, make_department, make_user

ON_POSTGRES = bool(os.environ.get("TEST_DATABASE_URL"))
OPENS, CLOSES = date(2026, 3, 1), date(2026, 3, 31)


# Shared helpers ----------------------------------------------------------------------------------

def add_dimensions(n: int = 3) -> list[Dimension]:
    """n active dimensions with unique keys (fewer than the default nine keeps big tests fast)."""
    start = db.session.scalar(sa.select(sa.func.count()).select_from(Dimension))
    dimensions = []
    for i in range(start, start + n):
        dimension = Dimension(key=f"dim{i}", position=i, name_en=f"Dimension {i}", name_ru=f"Измерение {i}",
                              description_en="-", description_ru="-", question_en="?", question_ru="?")
        db.session.add(dimension)
        dimensions.append(dimension)
    db.session.flush()
    return dimensions


def person(department, **fields):
    """Someone who never signs in in the test: no password hash to compute."""
    return make_user(department=department, password=None, **fields)


def start_round(facilitator, departments, k: int = 5, name: str = "Spring") -> Round:
    round_ = services.save_round(facilitator, None, name, OPENS, CLOSES, k, list(departments))
    services.open_round(facilitator, round_)
    db.session.commit()
    return round_


def asked(round_) -> list[int]:
    return [rd.dimension_id for rd in round_.dimensions]


def same_scores(round_, value: int) -> dict[int, int]:
    return {dimension_id: value for dimension_id in asked(round_)}


def group_of(user, target) -> tuple[int, str, int]:
    """The counter group a ballot falls in: rater department, kind, rated department."""
    rated = target.department.id if target.kind == "service" else user.department_id
    return user.department_id, target.kind, rated


def rate(user, round_, key: str, scores: dict[int, int], comment: str = "") -> None:
    """Rate as the page does."""
    target = services.find_target(user, round_, key)
    services.submit(user, round_, target, scores, comment)
    db.session.commit()


def close(facilitator, round_) -> None:
    services.close_round(facilitator, round_)
    db.session.commit()
    erase_deleted_rows()


def publish(facilitator, round_) -> None:
    services.publish_round(facilitator, round_)
    db.session.commit()


def waiting_comments() -> list[str]:
    """The comments of the ballots in the holding buffer, opened."""
    return [unseal(sealed)["comment"] for sealed in db.session.scalars(sa.select(PendingBallot.sealed))]


def participation_keys(user, round_) -> set[str]:
    return set(db.session.scalars(sa.select(Participation.target).where(
        Participation.round_id == round_.id, Participation.user_id == user.id)))


# Fixtures ----------------------------------------------------------------------------------------

@pytest.fixture
def company(app):
    """Finance serves Sales and Ops; Legal serves Sales but does not take part; Ops is in the round."""
    dimensions = add_dimensions(3)
    finance, sales = make_department("Finance", "FIN"), make_department("Sales", "SAL")
    ops, legal = make_department("Operations", "OPS"), make_department("Legal", "LEG")
    link(finance, sales)
    link(finance, ops)
    link(legal, sales)
    facilitator = make_user("fac@example.com", is_facilitator=True, password=None)
    sellers = [person(sales) for _ in range(6)]
    operators = [person(ops) for _ in range(2)]
    db.session.commit()
    return {"dimensions": dimensions, "finance": finance, "sales": sales, "ops": ops, "legal": legal,
            "facilitator": facilitator, "sellers": sellers, "operators": operators,
            "departments": [finance, sales, ops]}


@pytest.fixture
def running(company):
    """The company with an open round over Finance, Sales and Operations, k = 5."""
    return {**company, "round": start_round(company["facilitator"], company["departments"])}


def audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


# The round's states ------------------------------------------------------------------------------

def test_a_new_round_is_a_draft_with_what_was_chosen(company):
    round_ = services.save_round(company["facilitator"], None, "  Spring  ", OPENS, CLOSES, 4,
                                 company["departments"])
    db.session.commit()
    assert (round_.name, round_.state, round_.threshold) == ("Spring", "draft", 4)
    assert set(round_.departments) == set(company["departments"])
    assert round_.dimensions == []  # nothing is asked until it opens
    assert audit_actions() == ["round.create"]


def test_a_round_goes_from_draft_to_open_to_closed_to_published(company):
    facilitator = company["facilitator"]
    round_ = services.save_round(facilitator, None, "Spring", OPENS, CLOSES, 5, company["departments"])
    states = [round_.state]
    for move in (services.open_round, services.close_round, services.publish_round):
        move(facilitator, round_)
        db.session.commit()
        states.append(round_.state)
    assert states == ["draft", "open", "closed", "published"]
    assert round_.opened_at <= round_.closed_at <= round_.published_at
    assert audit_actions() == ["round.create", "round.open", "round.close", "round.publish"]


WRONG_MOVES = [
    ("draft", "close_round"), ("draft", "publish_round"),
    ("open", "open_round"), ("open", "publish_round"),
    ("closed", "open_round"), ("closed", "close_round"),
    ("published", "open_round"), ("published", "close_round"), ("published", "publish_round"),
]


@pytest.mark.parametrize(("state", "move"), WRONG_MOVES)
def test_every_wrong_move_is_refused(company, state, move):
    facilitator = company["facilitator"]
    round_ = services.save_round(facilitator, None, "Spring", OPENS, CLOSES, 5, company["departments"])
    path = ["open_round", "close_round", "publish_round"]
    for step in path[:["draft", "open", "closed", "published"].index(state)]:
        getattr(services, step)(facilitator, round_)
    db.session.commit()
    entries = count(AuditEntry)
    with pytest.raises(RatingError):
        getattr(services, move)(facilitator, round_)
    db.session.rollback()
    assert db.session.get(Round, round_.id).state == state
    assert count(AuditEntry) == entries


@pytest.mark.parametrize("threshold", [2, 1, 0, -5])
def test_the_reporting_threshold_is_never_below_3(company, threshold):
    with pytest.raises(RatingError, match="at least 3"):
        services.save_round(company["facilitator"], None, "Spring", OPENS, CLOSES, threshold,
                            company["departments"])
    db.session.rollback()
    assert count(Round) == 0


def test_a_threshold_of_3_is_accepted(company):
    round_ = services.save_round(company["facilitator"], None, "Spring", OPENS, CLOSES, 3,
                                 company["departments"])
    db.session.commit()
    assert round_.threshold == 3


def test_the_database_itself_refuses_a_threshold_below_3(company):
    db.session.add(Round(name="Sneaky", opens_on=OPENS, closes_on=CLOSES, threshold=2))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(("name", "opens_on", "closes_on", "n_departments", "message"), [
    ("   ", OPENS, CLOSES, 2, "name"),
    ("Spring", CLOSES, OPENS, 2, "close before it opens"),
    ("Spring", OPENS, CLOSES, 1, "at least two departments"),
    ("Spring", OPENS, CLOSES, 0, "at least two departments"),
])
def test_a_round_needs_a_name_dates_in_order_and_two_departments(company, name, opens_on, closes_on,
                                                                 n_departments, message):
    with pytest.raises(RatingError, match=message):
        services.save_round(company["facilitator"], None, name, opens_on, closes_on, 5,
                            company["departments"][:n_departments])
    db.session.rollback()
    assert count(Round) == 0


def test_a_draft_can_change_everything(company):
    facilitator, finance, sales, ops = (company[k] for k in ("facilitator", "finance", "sales", "ops"))
    round_ = services.save_round(facilitator, None, "Spring", OPENS, CLOSES, 5, [finance, sales])
    services.save_round(facilitator, round_, "Summer", date(2026, 6, 1), date(2026, 6, 30), 7,
                        [sales, ops])
    db.session.commit()
    assert (round_.name, round_.opens_on, round_.threshold) == ("Summer", date(2026, 6, 1), 7)
    assert set(round_.departments) == {sales, ops}


@pytest.mark.parametrize("change", ["threshold", "departments", "opens_on"])
def test_once_open_the_threshold_departments_and_opening_date_are_fixed(running, change):
    round_ = running["round"]
    values = {"name": round_.name, "opens_on": round_.opens_on, "closes_on": round_.closes_on,
              "threshold": round_.threshold, "departments": list(round_.departments)}
    values[change] = {"threshold": 3, "departments": [running["finance"], running["sales"]],
                      "opens_on": date(2026, 2, 1)}[change]
    with pytest.raises(RatingError, match="fixed"):
        services.save_round(running["facilitator"], round_, **values)
    db.session.rollback()
    round_ = db.session.get(Round, round_.id)
    assert (round_.threshold, round_.opens_on, len(round_.departments)) == (5, OPENS, 3)


def test_an_open_round_may_change_its_name_and_closing_date(running):
    round_ = running["round"]
    departments = list(reversed(round_.departments))  # the same departments in another order
    services.save_round(running["facilitator"], round_, "Spring, extended", OPENS, date(2026, 4, 15), 5,
                        departments)
    db.session.commit()
    assert (round_.name, round_.closes_on, round_.threshold) == ("Spring, extended", date(2026, 4, 15), 5)


@pytest.mark.parametrize("state", ["closed", "published"])
def test_a_closed_round_cannot_be_changed(running, state):
    round_, facilitator = running["round"], running["facilitator"]
    close(facilitator, round_)
    if state == "published":
        publish(facilitator, round_)
    with pytest.raises(RatingError, match="closed round"):
        services.save_round(facilitator, round_, "Renamed", OPENS, CLOSES, 5, list(round_.departments))
    db.session.rollback()
    assert db.session.get(Round, round_.id).name == "Spring"


def test_a_round_cannot_open_without_a_dimension(app):
    facilitator = make_user(is_facilitator=True, password=None)
    departments = [make_department(), make_department()]
    round_ = services.save_round(facilitator, None, "Spring", OPENS, CLOSES, 5, departments)
    db.session.commit()
    with pytest.raises(RatingError, match="dimension"):
        services.open_round(facilitator, round_)
    db.session.rollback()
    assert db.session.get(Round, round_.id).state == "draft"


def test_the_dimensions_asked_are_fixed_when_the_round_opens(running):
    round_, facilitator, seller = running["round"], running["facilitator"], running["sellers"][0]
    first, retired, third = running["dimensions"]
    set_retired(facilitator, retired, True)
    [added] = add_dimensions(1)
    db.session.commit()
    assert asked(db.session.get(Round, round_.id)) == [first.id, retired.id, third.id]
    rate(seller, round_, "self", {first.id: 4, retired.id: 2, third.id: 5})  # the retired one still asked
    with pytest.raises(RatingError):
        rate(seller, round_, "company", {first.id: 4, third.id: 5, added.id: 3})
    db.session.rollback()
    later = start_round(facilitator, running["departments"], name="Autumn")
    assert asked(later) == [first.id, third.id, added.id]


# Whom each person rates --------------------------------------------------------------------------

def test_a_person_rates_the_departments_serving_theirs_that_take_part_then_self_and_company(running):
    seller, finance, sales = running["sellers"][0], running["finance"], running["sales"]
    targets = services.targets_for(seller, running["round"])
    # Legal serves Sales but is not in the round, so it is not on the list.
    assert [(t.key, t.kind, t.department) for t in targets] == [
        (f"d{finance.id}", "service", finance), ("self", "self", sales), ("company", "company", None)]
    assert all(t.listed and not t.done for t in targets)
    assert services.listed_keys(running["round"], sales.id) == {f"d{finance.id}", "self", "company"}


def test_find_target_knows_the_list_and_departments_a_person_adds(running):
    round_, seller = running["round"], running["sellers"][0]
    finance, sales, ops = running["finance"], running["sales"], running["ops"]
    provider = services.find_target(seller, round_, f"d{finance.id}")
    assert (provider.kind, provider.department, provider.listed) == ("service", finance, True)
    own = services.find_target(seller, round_, "self")
    assert (own.kind, own.department) == ("self", sales)
    whole = services.find_target(seller, round_, "company")
    assert (whole.kind, whole.department) == ("company", None)
    added = services.find_target(seller, round_, f"d{ops.id}")  # takes part, does not serve Sales
    assert (added.kind, added.department, added.listed) == ("service", ops, False)
    assert services.addable_departments(seller, round_) == [ops]


def test_a_department_a_person_added_and_rated_stays_on_their_list_as_done(running):
    round_, seller, ops = running["round"], running["sellers"][0], running["ops"]
    rate(seller, round_, f"d{ops.id}", same_scores(round_, 3))
    added = [t for t in services.targets_for(seller, round_) if not t.listed]
    assert [(t.key, t.done) for t in added] == [(f"d{ops.id}", True)]
    assert services.addable_departments(seller, round_) == []


def test_an_answer_reads_its_round_who_takes_part_and_what_it_asks_in_the_rounds_order(company):
    round_ = start_round(company["facilitator"], company["departments"])
    ids = asked(round_)
    for row in round_.dimensions:  # the round asks them in the other order than their ids
        row.position = 100 - row.position
    db.session.commit()
    seller, lawyer = company["sellers"][0], person(company["legal"])
    found, taking_part = services.round_to_rate(seller, round_.id)
    assert found is round_ and taking_part
    db.session.expire(found)
    assert services.asked_dimensions(found) == tuple(reversed(ids))
    assert services.round_to_rate(lawyer, round_.id) == (round_, False)  # Legal does not take part
    assert services.round_to_rate(company["facilitator"], round_.id) == (round_, False)  # no department
    seller.active = False
    assert services.round_to_rate(seller, round_.id) == (round_, False)
    assert services.round_to_rate(lawyer, round_.id + 1) == (None, False)


@pytest.mark.parametrize("key", ["own", "not_taking_part", "d999999", "dx", "d", "", "Self", "x1",
                                 "d-1", "company "])
def test_find_target_refuses_what_a_person_may_not_rate(running, key):
    seller = running["sellers"][0]
    key = {"own": f"d{running['sales'].id}", "not_taking_part": f"d{running['legal'].id}"}.get(key, key)
    with pytest.raises(RatingError):
        services.find_target(seller, running["round"], key)


@pytest.mark.parametrize("who", ["outside", "no_department", "inactive"])
def test_people_outside_the_round_cannot_rate_anything(running, who):
    round_, finance = running["round"], running["finance"]
    someone = {
        "outside": lambda: person(running["legal"]),
        "no_department": lambda: make_user(password=None),
        "inactive": lambda: person(running["sales"], active=False),
    }[who]()
    db.session.commit()
    assert not services.takes_part(someone, round_)
    for key in (f"d{finance.id}", "self", "company"):
        with pytest.raises(RatingError, match="does not take part"):
            services.find_target(someone, round_, key)


def test_rounds_open_for_a_person_are_those_their_department_takes_part_in(running):
    outsider = person(running["legal"])
    db.session.commit()
    assert services.open_rounds_for(running["sellers"][0]) == [running["round"]]
    assert services.open_rounds_for(outsider) == []
    assert services.open_rounds_for(make_user(password=None)) == []


# What a ballot must hold -------------------------------------------------------------------------

def bad_scores(round_, kind):
    first, second, third = asked(round_)
    return {
        "missing": {first: 3, second: 3},
        "extra": {first: 3, second: 3, third: 3, 999999: 3},
        "too_high": {first: 6, second: 3, third: 3},
        "negative": {first: -1, second: 3, third: 3},
        "fraction": {first: 2.5, second: 3, third: 3},
        "text": {first: "3", second: 3, third: 3},
        "none": {first: None, second: 3, third: 3},
        "empty": {},
    }[kind]


@pytest.mark.parametrize("kind", ["missing", "extra", "too_high", "negative", "fraction", "text", "none",
                                  "empty"])
def test_a_ballot_must_answer_every_question_once_with_0_to_5(running, kind):
    round_, seller, finance = running["round"], running["sellers"][0], running["finance"]
    target = services.find_target(seller, round_, f"d{finance.id}")
    with pytest.raises(RatingError, match="Answer every question"):
        services.submit(seller, round_, target, bad_scores(round_, kind))
    db.session.rollback()
    assert count(Participation) == 0 and count(PendingBallot) == 0
    assert not services.find_target(seller, round_, f"d{finance.id}").done  # may still answer


def test_cant_judge_is_a_valid_answer_even_for_every_question(running):
    round_, seller, finance = running["round"], running["sellers"][0], running["finance"]
    rate(seller, round_, f"d{finance.id}", same_scores(round_, 0))
    first = asked(round_)[0]
    rate(seller, round_, "self", {**same_scores(round_, 4), first: 0})
    assert count(PendingBallot) == 2


def test_a_comment_may_be_2000_characters_but_not_more(running):
    round_, (first, second) = running["round"], running["sellers"][:2]
    finance = running["finance"]
    rate(first, round_, f"d{finance.id}", same_scores(round_, 3), "x" * 2000)
    with pytest.raises(RatingError, match="2000"):
        rate(second, round_, f"d{finance.id}", same_scores(round_, 3), "y" * 2001)
    db.session.rollback()
    assert waiting_comments() == ["x" * 2000]
    assert participation_keys(second, round_) == set()


def test_a_comment_is_trimmed_and_a_blank_one_is_no_comment(running):
    round_, (first, second) = running["round"], running["sellers"][:2]
    finance = running["finance"]
    rate(first, round_, f"d{finance.id}", same_scores(round_, 3), "  slow to answer \n")
    rate(second, round_, f"d{finance.id}", same_scores(round_, 3), "  \n\t ")
    assert sorted(waiting_comments()) == ["", "slow to answer"]


def test_comments_are_kept_only_for_departments_that_serve(running):
    round_, seller = running["round"], running["sellers"][0]
    rate(seller, round_, "self", same_scores(round_, 3), "we are great")
    rate(seller, round_, "company", same_scores(round_, 3), "clients like us")
    assert waiting_comments() == ["", ""]


def test_a_comment_with_a_nul_character_is_kept_without_it(running):
    """No database stores a NUL byte as text: the answer is taken, the character dropped."""
    round_, seller, finance = running["round"], running["sellers"][0], running["finance"]
    rate(seller, round_, f"d{finance.id}", same_scores(round_, 3), "bad\x00byte")
    assert waiting_comments() == ["badbyte"]


# Answers are final; skipping ---------------------------------------------------------------------

def test_a_person_answers_once_per_target(running):
    round_, seller, finance = running["round"], running["sellers"][0], running["finance"]
    rate(seller, round_, f"d{finance.id}", same_scores(round_, 4))
    target = services.find_target(seller, round_, f"d{finance.id}")
    assert target.done
    with pytest.raises(RatingError, match="already"):
        services.submit(seller, round_, target, same_scores(round_, 1))
    db.session.rollback()
    with pytest.raises(RatingError, match="already"):
        services.skip(seller, round_, target)
    db.session.rollback()
    # Even a stale target (a second tab loaded before the first answer) is refused by the database.
    stale = services.Target(f"d{finance.id}", "service", finance)
    with pytest.raises(RatingError, match="already"):
        services.submit(seller, round_, stale, same_scores(round_, 1))
    db.session.rollback()
    assert count(PendingBallot) == 1 and count(Participation) == 1


def test_skipping_counts_as_done_and_leaves_a_sealed_ballot_that_is_never_counted(running):
    round_, (seller, rater), finance = running["round"], running["sellers"][:2], running["finance"]
    services.skip(seller, round_, services.find_target(seller, round_, f"d{finance.id}"))
    rate(rater, round_, f"d{finance.id}", same_scores(round_, 5))
    db.session.commit()
    assert participation_keys(seller, round_) == {f"d{finance.id}"}
    # The skip's ballot is sealed to the same size as a rating's: the database cannot tell them apart.
    sizes = [len(sealed) for sealed in db.session.scalars(sa.select(PendingBallot.sealed))]
    assert len(sizes) == 2 and len(set(sizes)) == 1
    assert services.find_target(seller, round_, f"d{finance.id}").done
    with pytest.raises(RatingError, match="already"):
        services.submit(seller, round_, services.Target(f"d{finance.id}", "service", finance),
                        same_scores(round_, 5))
    db.session.rollback()
    close(running["facilitator"], round_)
    assert count(Tally) == 0 and count(BallotCount) == 0  # one rating: under k, and the skip counts nowhere
    assert db.session.get(Completion, (round_.id, seller.id)).done == 1


@pytest.mark.parametrize("state", ["draft", "closed", "published"])
def test_only_an_open_round_takes_answers(company, state):
    facilitator, seller, finance = company["facilitator"], company["sellers"][0], company["finance"]
    round_ = services.save_round(facilitator, None, "Spring", OPENS, CLOSES, 5, company["departments"])
    if state != "draft":
        services.open_round(facilitator, round_)
        services.close_round(facilitator, round_)
    if state == "published":
        services.publish_round(facilitator, round_)
    db.session.commit()
    target = services.Target(f"d{finance.id}", "service", finance)
    with pytest.raises(RatingError, match="not open"):
        services.submit(seller, round_, target, same_scores(round_, 3))  # a draft asks nothing yet
    db.session.rollback()
    with pytest.raises(RatingError, match="not open"):
        services.skip(seller, round_, target)
    db.session.rollback()
    assert count(Participation) == 0 and count(PendingBallot) == 0


# Closing: every ballot folded at once ------------------------------------------------------------

def test_ballots_wait_sealed_until_closing_folds_them_all(running):
    round_, sellers, finance = running["round"], running["sellers"], running["finance"]
    for seller in sellers[:5]:
        rate(seller, round_, f"d{finance.id}", same_scores(round_, 4))
    assert count(PendingBallot) == 5
    assert count(BallotCount) == 0 and count(Tally) == 0  # nothing is counted while the round is open
    close(running["facilitator"], round_)
    assert count(PendingBallot) == 0
    assert db.session.get(BallotCount, (round_.id, running["sales"].id, "service", finance.id)).ballots == 5


def test_closing_adds_every_ballot_of_a_group_to_its_counters(running):
    round_, finance, sales = running["round"], running["finance"], running["sales"]
    sellers = running["sellers"] + [person(sales) for _ in range(4)]
    db.session.commit()
    dimensions = asked(round_)
    scores = [{d: s for d in dimensions} for s in (1, 2, 2, 5, 0, 4, 4, 4, 3, 0)]
    scores[0][dimensions[0]] = 0  # "can't judge" on one question only: the ballot still counts as judged
    for seller, ballot in zip(sellers, scores, strict=True):
        rate(seller, round_, f"d{finance.id}", ballot)
    close(running["facilitator"], round_)
    counted = db.session.get(BallotCount, (round_.id, sales.id, "service", finance.id))
    assert (counted.ballots, counted.judged) == (10, 8)
    assert counted.overall_sum == pytest.approx(1 + 2 + 2 + 5 + 4 + 4 + 4 + 3)  # the tests' noise scale is 0
    for dimension in dimensions:
        tallies = db.session.scalars(sa.select(Tally).where(Tally.dimension_id == dimension))
        assert {t.score: t.count for t in tallies} == dict(Counter(ballot[dimension] for ballot in scores))


def test_closing_folds_what_waits_and_keeps_only_how_many_targets_each_person_did(running):
    round_, sellers, operators = running["round"], running["sellers"], running["operators"]
    finance, sales, ops = running["finance"], running["sales"], running["ops"]
    first, second, third = sellers[:3]
    rate(first, round_, f"d{finance.id}", same_scores(round_, 2), "first")
    rate(first, round_, "self", same_scores(round_, 4))
    rate(first, round_, "company", same_scores(round_, 3))
    rate(second, round_, "self", same_scores(round_, 5))
    rate(second, round_, f"d{ops.id}", same_scores(round_, 1))  # added: not on the list, not counted
    services.skip(third, round_, services.find_target(third, round_, f"d{finance.id}"))
    db.session.commit()
    close(running["facilitator"], round_)
    assert count(PendingBallot) == 0 and count(Participation) == 0
    completions = {(c.user_id, c.department_id, c.done, c.expected)
                   for c in db.session.scalars(sa.select(Completion))}
    assert completions == {(first.id, sales.id, 3, 3), (second.id, sales.id, 1, 3),
                           (third.id, sales.id, 1, 3)} | {(s.id, sales.id, 0, 3) for s in sellers[3:]} \
        | {(o.id, ops.id, 0, 3) for o in operators}
    assert set(Completion.__table__.columns.keys()) == {"round_id", "user_id", "department_id", "done",
                                                         "expected"}
    # Every group was under k (5): what could never be shown is not kept at all.
    assert count(BallotCount) == 0 and count(Tally) == 0


# Response rates and reminders --------------------------------------------------------------------

def test_response_rates_count_people_not_answers(running):
    round_, sellers, operators = running["round"], running["sellers"], running["operators"]
    finance, sales, ops = running["finance"], running["sales"], running["ops"]
    person(sales, active=False)  # inactive people are not counted
    db.session.commit()
    for key in (f"d{finance.id}", "self", "company"):  # the first seller finishes the list
        rate(sellers[0], round_, key, same_scores(round_, 3))
    rate(sellers[1], round_, "self", same_scores(round_, 3))  # the second starts
    services.skip(operators[0], round_, services.find_target(operators[0], round_, f"d{finance.id}"))
    for key in ("self", "company"):  # skipping counts as done
        rate(operators[0], round_, key, same_scores(round_, 3))
    rates = {r.department: (r.members, r.started, r.finished) for r in services.response_rates(round_)}
    assert rates == {finance: (0, 0, 0), sales: (6, 2, 1), ops: (2, 1, 1)}
    reminded = services.people_to_remind(round_)
    assert set(reminded) == set(sellers[1:]) | {operators[1]}
    close(running["facilitator"], round_)
    after = {r.department: (r.members, r.started, r.finished) for r in services.response_rates(round_)}
    assert after == rates  # the same numbers, now from what closing kept
    assert services.people_to_remind(round_) == []  # nobody to remind once it is closed
