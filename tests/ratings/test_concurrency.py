"""Many people answering at the same moment, on whatever database the suite runs on: every answer counts
exactly once, a person's double-click counts once, and nobody sees "database is locked" or an error page."""
import threading
from collections import Counter

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from app.ratings import services
from app.ratings.models import BallotCount, Participation, PendingBallot, Round, Tally
from app.ratings.services import RatingError
from tests.factories import PASSWORD, count, in_parallel, link, make_department, make_user
from tests.ratings.test_services import add_dimensions, asked, close, person, start_round

PEOPLE = 50


def answer(user_id: int, round_id: int, key: str, scores: dict[int, int]) -> str:
    """What the rating page does, in one thread: find the target, submit, commit."""
    user, round_ = db.session.get(User, user_id), db.session.get(Round, round_id)
    target = services.find_target(user, round_, key)
    services.submit(user, round_, target, scores, "in a hurry")
    db.session.commit()
    return "ok"


@pytest.fixture
def crowd(app):
    add_dimensions(3)
    finance, sales = make_department("Finance", "FIN"), make_department("Sales", "SAL")
    link(finance, sales)
    facilitator = make_user(is_facilitator=True, password=None)
    sellers = [person(sales) for _ in range(PEOPLE)]
    db.session.commit()
    round_ = start_round(facilitator, [finance, sales])
    return {"round": round_, "finance": finance, "sales": sales, "facilitator": facilitator,
            "sellers": sellers, "key": f"d{finance.id}"}


def test_fifty_people_answering_at_once_are_all_counted_exactly_once(app, crowd):
    round_, key = crowd["round"], crowd["key"]
    ids, dimensions = [s.id for s in crowd["sellers"]], asked(round_)
    vectors = [{d: (i + j) % 6 for j, d in enumerate(dimensions)} for i in range(PEOPLE)]
    round_id = round_.id
    db.session.commit()
    outcomes = in_parallel(app, PEOPLE, lambda i: answer(ids[i], round_id, key, vectors[i]))
    assert [o for o in outcomes if o != "ok"] == []
    assert count(Participation) == PEOPLE and count(PendingBallot) == PEOPLE
    close(crowd["facilitator"], round_)
    assert db.session.scalar(sa.select(sa.func.sum(BallotCount.ballots))) == PEOPLE
    for dimension in dimensions:
        tallies = db.session.scalars(sa.select(Tally).where(Tally.dimension_id == dimension))
        assert {t.score: t.count for t in tallies} == dict(Counter(v[dimension] for v in vectors))


def test_fifty_copies_of_one_answer_count_once(app, crowd):
    round_, key, seller = crowd["round"], crowd["key"], crowd["sellers"][0]
    scores = {d: 4 for d in asked(round_)}
    round_id, seller_id = round_.id, seller.id
    db.session.commit()
    outcomes = in_parallel(app, PEOPLE, lambda i: answer(seller_id, round_id, key, scores))
    assert outcomes.count("ok") == 1
    refused = [o for o in outcomes if o != "ok"]
    assert all(isinstance(o, RatingError) and "already" in str(o) for o in refused), refused
    assert count(Participation) == 1
    assert count(PendingBallot) == 1
    assert count(Tally) == 0


def test_ten_copies_of_one_undo_of_a_skip_undo_it_once_and_refuse_calmly(app, crowd):
    round_, key, seller = crowd["round"], crowd["key"], crowd["sellers"][0]
    services.skip(seller, round_, services.find_target(seller, round_, key))
    round_id, seller_id = round_.id, seller.id
    db.session.commit()

    def undo(_i):
        user, round_ = db.session.get(User, seller_id), db.session.get(Round, round_id)
        services.undo_skip(user, round_, services.find_target(user, round_, key))
        db.session.commit()
        return "ok"

    outcomes = in_parallel(app, 10, undo)
    assert outcomes.count("ok") == 1
    refused = [o for o in outcomes if o != "ok"]
    assert all(isinstance(o, RatingError) and "already undone" in str(o) for o in refused), refused
    assert count(Participation) == 0 and count(PendingBallot) == 1


def test_an_answer_that_waited_while_the_round_closed_writes_nothing(app, crowd):
    """Closing locks the round: an answer past its reads waits for the lock, then finds the round closed
    and is refused, leaving no participation record and no ballot behind the closed round."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL: an answer waits there on the round's row (SQLite queues whole writers)")
    round_, key, seller = crowd["round"], crowd["key"], crowd["sellers"][0]
    scores, round_id, seller_id = {d: 4 for d in asked(round_)}, round_.id, seller.id
    services.close_round(crowd["facilitator"], round_)  # holds the round's lock until the commit below
    outcome = []

    def answering():
        with app.app_context():
            try:
                outcome.append(answer(seller_id, round_id, key, scores))
            except RatingError as error:
                outcome.append(error)
            finally:
                db.session.rollback()
                db.session.remove()

    thread = threading.Thread(target=answering)
    thread.start()
    waiting = sa.text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                      "AND datname = current_database()")
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as watcher:
        while not watcher.scalar(waiting):  # until the answer is seen waiting on the round's lock
            thread.join(timeout=0.01)
            assert thread.is_alive(), f"the answer did not wait for the round: {outcome}"
    db.session.commit()
    thread.join(timeout=60)
    assert len(outcome) == 1 and isinstance(outcome[0], RatingError), outcome
    assert "not open" in str(outcome[0])
    assert count(Participation) == 0 and count(PendingBallot) == 0


def test_a_double_submitted_rating_form_counts_once_and_shows_no_error_page(app, crowd):
    """Eight tabs (or clicks) of one person post the same form at once, through the page."""
    round_, key = crowd["round"], crowd["key"]
    seller = make_user(department=crowd["sales"])  # one who can sign in
    data = {f"d{d}": "3" for d in asked(round_)}
    url = f"/rounds/{round_.id}/rate/{key}"
    db.session.commit()
    clients = [app.test_client() for _ in range(8)]
    for client in clients:
        assert client.sign_in(seller.email, PASSWORD).status_code == 303
        client.refresh_token()
    statuses = in_parallel(app, len(clients), lambda i: clients[i].post(url, data=data).status_code)
    assert statuses == [303] * len(clients)
    assert count(Participation) == 1 and count(PendingBallot) == 1
    pages = [client.get(f"/rounds/{round_.id}/rate").get_data(as_text=True) for client in clients]
    assert all("1 of 3 done" in page for page in pages)  # every tab shows the one answer, once


def test_many_people_answering_through_the_page_at_once_all_count(app, crowd):
    """The page reads before it takes the write lock: answers in flight never fail one another."""
    round_, key, people = crowd["round"], crowd["key"], 12
    sellers = [make_user(department=crowd["sales"]) for _ in range(people)]
    data = {f"d{d}": "4" for d in asked(round_)}
    url = f"/rounds/{round_.id}/rate/{key}"
    db.session.commit()
    clients = [app.test_client() for _ in sellers]
    for client, seller in zip(clients, sellers, strict=True):
        assert client.sign_in(seller.email, PASSWORD).status_code == 303
        client.refresh_token()
    responses = in_parallel(app, people, lambda i: clients[i].post(url, data=data))
    assert [r.status_code for r in responses] == [303] * people
    assert count(Participation) == people
    thanks = [c.get(f"/rounds/{round_.id}/rate").get_data(as_text=True) for c in clients]
    assert all("Finance is ticked off your list" in page for page in thanks)


def test_an_answer_not_committed_leaves_neither_its_done_note_nor_its_ballot(app, crowd):
    """Both or neither: a done note without its ballot would lose an answer, a ballot without its note would
    let it be sent twice. Nothing is folded or counted while the round is open."""
    round_, key, seller = crowd["round"], crowd["key"], crowd["sellers"][0]
    services.submit(seller, round_, services.find_target(seller, round_, key), {d: 2 for d in asked(round_)})
    assert count(Participation) == 1 and count(PendingBallot) == 1 and count(Tally) == 0
    db.session.rollback()  # the request fails before its commit
    assert count(Participation) == 0 and count(PendingBallot) == 0
    assert not services.find_target(seller, round_, key).done  # the person may answer again
