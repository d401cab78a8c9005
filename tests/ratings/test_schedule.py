"""Rounds on their dates (`flask tick`): each move at its time and not before, published only when chosen,
nothing twice — not on a second tick, not with two ticks at once, not beside a facilitator's own move —
and the lease that lets one tick act at a time, on whatever database the suite runs on."""
import logging
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from app.audit.models import AuditEntry
from app.cli import TICK_LEASE, tick
from app.database import give_back_lease, scheduler_leases, take_lease
from app.dimensions.models import Dimension
from app.extensions import db
from app.ratings import schedule, services
from app.ratings.models import Completion, Participation, PendingBallot, Round
from app.time import utcnow
from tests.factories import PASSWORD, count, in_parallel, link, make_department, make_user, page_text
from tests.ratings.test_services import add_dimensions, person, rate, same_scores

OPENS, CLOSES = date(2027, 1, 12), date(2027, 1, 26)


def at(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute)


@pytest.fixture
def company(app):
    add_dimensions(2)
    finance, sales = make_department("Finance", "FIN"), make_department("Sales", "SAL")
    link(finance, sales)
    facilitator = make_user("facilitator@example.com", "Fay Facilitator", finance, is_facilitator=True)
    admin = make_user("admin@example.com", "Ada Admin", is_admin=True)
    seller = person(sales)
    db.session.commit()
    return {"finance": finance, "sales": sales, "facilitator": facilitator, "admin": admin, "seller": seller}


def draft(company, name="Winter", publish_when_closed=False, opens=OPENS, closes=CLOSES) -> Round:
    round_ = services.save_round(company["facilitator"], None, name, opens, closes, 3,
                                 [company["finance"], company["sales"]], publish_when_closed)
    db.session.commit()
    return round_


def state_of(round_id: int) -> str:
    return db.session.scalar(sa.select(Round.state).where(Round.id == round_id))


MOVE_ACTIONS = ("round.open", "round.close", "round.publish")


def moves_audited() -> list[tuple[str, str, bool]]:
    return list(db.session.execute(sa.select(AuditEntry.action, AuditEntry.target, AuditEntry.by_schedule)
                                   .where(AuditEntry.action.in_(MOVE_ACTIONS)).order_by(AuditEntry.id)).tuples())


def test_a_round_opens_on_its_day_closes_after_its_last_day_and_waits_for_a_facilitator(company):
    round_id = draft(company).id
    assert tick(at(OPENS - timedelta(days=1), 23, 59)) == []
    assert state_of(round_id) == "draft"
    assert tick(at(OPENS)) == ["Opened Winter"]
    assert state_of(round_id) == "open"
    assert tick(at(CLOSES, 23, 59)) == []
    assert state_of(round_id) == "open"
    assert tick(at(CLOSES + timedelta(days=1))) == ["Closed Winter"]
    assert state_of(round_id) == "closed"
    assert tick(at(CLOSES + timedelta(days=30))) == []  # not chosen: a facilitator publishes
    assert state_of(round_id) == "closed"
    assert moves_audited() == [("round.open", "Winter", True), ("round.close", "Winter", True)]


def test_a_round_set_to_publish_itself_publishes_as_it_closes(company):
    round_id = draft(company, publish_when_closed=True).id
    assert tick(at(OPENS, 9)) == ["Opened Winter"]
    assert tick(at(CLOSES + timedelta(days=1), 0, 1)) == ["Closed Winter", "Published Winter"]
    assert state_of(round_id) == "published"


def test_closing_by_the_schedule_folds_the_ballots_as_a_facilitators_closing_does(company):
    round_ = draft(company)
    tick(at(OPENS))
    db.session.expire_all()
    rate(company["seller"], round_, f"d{company['finance'].id}", same_scores(round_, 4))
    tick(at(CLOSES + timedelta(days=1)))
    assert count(PendingBallot) == 0 and count(Participation) == 0
    seller = company["seller"].id
    assert db.session.scalar(sa.select(Completion.done).where(Completion.user_id == seller)) == 1


def test_a_second_tick_does_nothing_and_a_missed_day_is_caught_up(company):
    round_id = draft(company, publish_when_closed=True).id
    assert tick(at(OPENS)) == ["Opened Winter"]
    assert tick(at(OPENS)) == []
    late = at(CLOSES + timedelta(days=3))  # nothing ran for days after the closing day
    assert tick(late) == ["Closed Winter", "Published Winter"]
    assert tick(late) == []
    assert tick(late + timedelta(minutes=1)) == []
    assert state_of(round_id) == "published"
    assert len(moves_audited()) == 3


def test_a_draft_past_its_closing_day_is_not_opened(company):
    round_id = draft(company).id
    assert tick(at(CLOSES + timedelta(days=1))) == []
    assert state_of(round_id) == "draft"


def test_a_round_that_cannot_open_is_left_and_logged(company, caplog):
    round_id = draft(company).id
    db.session.execute(sa.update(Dimension).values(retired=True))
    db.session.commit()
    with caplog.at_level(logging.WARNING):
        assert tick(at(OPENS)) == ["Left Winter: Add at least one service dimension first."]
    assert state_of(round_id) == "draft"
    assert f"The schedule left round {round_id} (Winter) as it is" in caplog.text
    assert moves_audited() == []


def test_a_round_a_facilitator_moved_meanwhile_is_left_alone(company):
    round_ = draft(company)
    due = schedule.due(OPENS)
    assert due == [(round_.id, schedule.OPEN)]
    services.open_round(company["facilitator"], round_)  # pressed between the tick's reading and its move
    db.session.commit()
    assert [schedule.move_round(round_id, move) for round_id, move in due] == [None]
    assert moves_audited() == [("round.open", "Winter", False)]


def test_two_ticks_at_once_act_once(app, company):
    ids = [draft(company, name=f"Round {i}", publish_when_closed=True).id for i in range(3)]
    db.session.commit()  # reading the ids began a transaction, which SQLite's ticks would wait for
    for now, moves in ((at(OPENS), ("Opened",)), (at(CLOSES + timedelta(days=1)), ("Closed", "Published"))):
        outcomes = in_parallel(app, 4, lambda _i, now=now: tick(now))
        assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
        done = sorted(line for lines in outcomes if lines for line in lines)
        assert done == sorted(f"{move} Round {i}" for i in range(3) for move in moves)
    assert [state_of(round_id) for round_id in ids] == ["published"] * 3
    assert len(moves_audited()) == 9


def test_the_lease_is_held_by_one_of_many_asking_at_once(app):
    now = utcnow()
    outcomes = in_parallel(app, 6, lambda i: take_lease("test", f"host {i}", now, 300))
    assert sorted(outcomes) == [False] * 5 + [True]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(scheduler_leases)) == 1


def test_an_expired_lease_is_taken_over_and_a_held_one_is_not(app):
    now = utcnow()
    assert take_lease("test", "host a", now, 300)
    assert not take_lease("test", "host b", now + timedelta(seconds=299), 300)
    assert take_lease("test", "host a", now + timedelta(seconds=10), 300)  # its holder keeps it
    assert take_lease("test", "host b", now + timedelta(seconds=311), 300)  # a died holding it
    give_back_lease("test", "host a", now + timedelta(seconds=312))  # a's late give-back frees nothing
    assert not take_lease("test", "host c", now + timedelta(seconds=313), 300)
    give_back_lease("test", "host b", now + timedelta(seconds=314))
    assert take_lease("test", "host c", now + timedelta(seconds=315), 300)


def test_the_command_ticks_as_of_the_moment_given_and_stands_aside_for_a_running_tick(app, company):
    round_id = draft(company).id
    runner = app.test_cli_runner()
    assert take_lease(TICK_LEASE, "another host", utcnow(), 300)
    result = runner.invoke(args=["tick", "--now", "2027-01-12T09:00"])
    assert result.exit_code == 0, result.output
    assert result.output == "Another tick is running; this one did nothing.\n"
    assert state_of(round_id) == "draft"
    assert take_lease(TICK_LEASE, "another host", utcnow() - timedelta(minutes=10), 300)  # then it died
    # A moment with its zone is read in UTC: 02:00 in Moscow on the 12th is still the 11th there.
    result = runner.invoke(args=["tick", "--now", "2027-01-12T02:00+03:00"])
    assert (result.exit_code, result.output) == (0, "")
    result = runner.invoke(args=["tick", "--now", "2027-01-12T09:00"])
    assert (result.exit_code, result.output) == (0, "Opened Winter\n")
    db.session.expire_all()
    assert state_of(round_id) == "open"
    result = runner.invoke(args=["tick", "--now", "yesterday"])
    assert result.exit_code == 2 and "is not an ISO date and time" in result.output


# Pages ---------------------------------------------------------------------------------------------

def read(response, selector: str = "main") -> str:
    """The words of the page's part as a person reads them, tags left out."""
    found = BeautifulSoup(response.get_data(as_text=True), "html.parser").select_one(selector)
    return " ".join(found.get_text(" ").split()) if found else ""

@pytest.fixture
def fac(client, company):
    assert client.sign_in("facilitator@example.com", PASSWORD).status_code == 303
    return client


def test_the_round_form_offers_to_publish_as_soon_as_the_round_closes(fac, company):
    page = fac.get("/rounds/new")
    assert 'name="publish_when_closed"' in page.text
    assert "Publish the results as soon as the round closes" in page_text(page)
    data = {"name": "Winter", "opens_on": "2027-01-12", "closes_on": "2027-01-26", "threshold": "3",
            "department_ids": [str(company["finance"].id), str(company["sales"].id)]}
    assert fac.post("/rounds/new", data={**data, "publish_when_closed": "y"}).status_code == 303
    round_ = db.session.scalar(sa.select(Round).where(Round.name == "Winter"))
    assert round_.publish_when_closed
    assert fac.post(f"/rounds/{round_.id}/edit", data=data).status_code == 303  # unticked
    db.session.refresh(round_)
    assert not round_.publish_when_closed


def test_the_round_page_says_when_it_moves_by_itself(fac, company):
    round_ = draft(company, publish_when_closed=True)
    text = read(fac.get(f"/rounds/{round_.id}"))
    assert "Opens by itself on Jan 12, 2027 (UTC)." in text
    assert "Closes by itself at the end of Jan 26, 2027 (UTC)." in text
    assert "Its results are published as soon as it closes." in text
    tick(at(OPENS))
    text = read(fac.get(f"/rounds/{round_.id}"))
    assert "Opens by itself" not in text and "Closes by itself at the end of Jan 26, 2027 (UTC)." in text
    tick(at(CLOSES + timedelta(days=1)))
    assert "by itself" not in read(fac.get(f"/rounds/{round_.id}"))


def test_the_round_page_says_when_a_draft_past_its_closing_day_will_not_open_by_itself(fac, company):
    round_ = draft(company, opens=date(2020, 1, 6), closes=date(2020, 1, 20))
    text = read(fac.get(f"/rounds/{round_.id}"), ".by-itself")
    assert text == ("Its closing day has passed, so it does not open by itself: give it new dates, or open "
                    "it yourself.")


def test_the_round_page_says_it_in_the_readers_language(fac, company):
    round_ = draft(company)
    company["facilitator"].language = "ru"
    db.session.commit()
    assert "12 янв. 2027 г." in read(fac.get(f"/rounds/{round_.id}"), ".by-itself")


def test_the_audit_log_says_the_schedule_moved_the_round(client, company):
    round_ = draft(company)
    tick(at(OPENS))
    assert client.sign_in("admin@example.com", PASSWORD).status_code == 303
    page = client.get("/audit", query_string={"action": "round.open"})
    cells = BeautifulSoup(page.get_data(as_text=True), "html.parser").select("tbody tr")[0].select("td")
    assert [cell.get_text() for cell in cells[1:4]] == ["the schedule", "Round opened", round_.name]
