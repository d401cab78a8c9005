""""Did you get what was agreed?" travels as the scores do: sealed in the ballot, counted only at closing,
kept by round × promise with no person and no time, and read only through the gate over k."""
import pytest
import sqlalchemy as sa

from app.agreements import services
from app.extensions import db
from app.ratings import services as ratings
from app.ratings.models import PendingBallot, PromiseCount
from app.ratings.sealing import unseal
from app.reports.gate import RoundResults
from tests.agreements.test_services import in_force, pair, promise  # noqa: F401 (pair is a fixture)
from tests.factories import count
from tests.ratings.test_services import close, publish, same_scores, start_round


def answer(user, round_, key, kept=None, scores_value=4):
    target = ratings.find_target(user, round_, key)
    ratings.submit(user, round_, target, same_scores(round_, scores_value), "", kept)
    db.session.commit()


def round_with_answers(world, answers: list[str], k=5):
    """An agreement in force with one promise, and a round in which one seller gives each answer."""
    agreement = in_force(world)
    promise_id = agreement.promises[0].id
    round_ = start_round(world["facilitator"], [world["finance"], world["sales"]], k=k)
    for seller, kept in zip(world["sellers"], answers, strict=False):
        answer(seller, round_, f"d{world['finance'].id}", {promise_id: kept})
    return agreement, round_


def counts(row) -> tuple[int, ...]:
    return row.asked, row.answered_yes, row.answered_partly, row.answered_no, row.cant_say


def published(world, round_):
    close(world["facilitator"], round_)
    publish(world["facilitator"], round_)
    return RoundResults(round_)


def test_the_receiving_department_is_asked_about_each_promise_in_force(pair):  # noqa: F811
    agreement = in_force(pair, [promise(pair, "First"), promise(pair, "Second", 1)])
    round_ = start_round(pair["facilitator"], [pair["finance"], pair["sales"]])
    seller = pair["sellers"][0]
    asked = ratings.asked_promises(seller, ratings.find_target(seller, round_, f"d{pair['finance'].id}"))
    assert [p.id for p in asked] == [p.id for p in agreement.promises]
    for key in ("self", "company"):
        assert ratings.asked_promises(seller, ratings.find_target(seller, round_, key)) == []


@pytest.mark.parametrize("sent", ["nothing", "an unknown answer", "another promise too"])
def test_a_ballot_without_an_answer_for_each_promise_is_refused_and_leaves_no_trace(pair, sent):  # noqa: F811
    promise_id = in_force(pair).promises[0].id
    kept = {"nothing": {}, "an unknown answer": {promise_id: "maybe"},
            "another promise too": {promise_id: "yes", promise_id + 1: "no"}}[sent]
    round_ = start_round(pair["facilitator"], [pair["finance"], pair["sales"]])
    seller = pair["sellers"][0]
    with pytest.raises(ratings.RatingError, match="each promise"):
        ratings.submit(seller, round_, ratings.find_target(seller, round_, f"d{pair['finance'].id}"),
                       same_scores(round_, 4), "", kept)
    db.session.rollback()
    assert count(PendingBallot) == 0


def test_the_answer_waits_sealed_in_the_ballot_and_nothing_is_counted_while_open(pair):  # noqa: F811
    agreement, round_ = round_with_answers(pair, ["yes", "partly"])
    promise_id = agreement.promises[0].id
    ballots = [unseal(s) for s in db.session.scalars(sa.select(PendingBallot.sealed))]
    assert sorted(b["kept"][str(promise_id)] for b in ballots) == ["partly", "yes"]
    assert count(PromiseCount) == 0


def test_over_k_answers_are_counted_at_closing_and_shown_through_the_gate(pair):  # noqa: F811
    agreement, round_ = round_with_answers(pair, ["yes", "yes", "yes", "partly", "no", "cant_say"])
    results = published(pair, round_)
    row = db.session.scalars(sa.select(PromiseCount)).one()
    assert counts(row) == (6, 3, 1, 1, 1)
    assert count(PendingBallot) == 0
    kept = results.kept(agreement.promises[0].id)
    assert (kept.n, kept.yes, kept.partly, kept.no) == (5, 3, 1, 1)
    assert kept.share("yes") == pytest.approx(0.6)


def test_under_k_askings_are_dropped_at_closing(pair):  # noqa: F811
    agreement, round_ = round_with_answers(pair, ["yes", "yes", "no", "no"])
    results = published(pair, round_)
    assert count(PromiseCount) == 0 and results.kept(agreement.promises[0].id) is None


def test_answers_under_k_are_not_shown_when_those_who_could_not_say_are_left_out(pair):  # noqa: F811
    agreement, round_ = round_with_answers(pair, ["yes", "yes", "no", "no", "cant_say", "cant_say"])
    results = published(pair, round_)
    assert count(PromiseCount) == 1  # six were asked
    assert results.kept(agreement.promises[0].id) is None  # four said yes, partly or no


def test_the_answers_go_through_the_round_s_noise_the_askings_stay_exact(pair, app, monkeypatch):  # noqa: F811
    drawn = []

    def noise(counts, scale):
        drawn.append((list(counts), scale))
        return [c + 1 for c in counts]

    monkeypatch.setattr(ratings, "noisy_counts", noise)
    app.config["RESULT_NOISE_SCALE"] = 0.5
    _agreement, round_ = round_with_answers(pair, ["yes"] * 5 + ["no"])
    published(pair, round_)
    row = db.session.scalars(sa.select(PromiseCount)).one()
    assert ([5, 0, 1, 0], 0.5) in drawn  # yes, partly, no, can't say
    assert counts(row) == (6, 6, 1, 2, 1)


def test_once_ended_a_round_asks_nothing_and_the_rounds_before_stay_on_its_page(pair):  # noqa: F811
    agreement, round_ = round_with_answers(pair, ["yes", "yes", "yes", "partly", "no"])
    published(pair, round_)
    services.end(pair["head_sales"], agreement)
    db.session.commit()
    later = start_round(pair["facilitator"], [pair["finance"], pair["sales"]], name="Summer")
    seller = pair["sellers"][0]
    assert ratings.asked_promises(seller, ratings.find_target(seller, later, f"d{pair['finance'].id}")) == []
    answer(seller, later, f"d{pair['finance'].id}", {})
    published(pair, later)
    [record] = services.record_of(agreement)
    assert [(r.round.name, r.kept.n) for r in record.rounds] == [("Spring", 5)]
