"""Repeating rounds: the period's arithmetic, the next round prepared once from a published one (by the tick,
with the same departments, k and dimensions), and a facilitator's confirmation before it may open."""
from datetime import date, timedelta
from email.header import decode_header, make_header

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from app.audit.models import AuditEntry
from app.cli import tick
from app.extensions import db
from app.ratings import services
from app.ratings.models import Round
from tests.factories import PASSWORD, in_parallel, make_department, page_text
from tests.ratings import test_schedule
from tests.ratings.test_schedule import CLOSES, OPENS, at, draft, read, state_of
from tests.ratings.test_services import add_dimensions

company = test_schedule.company  # the fixture: two departments, dimensions, a facilitator, an admin

AFTER = at(CLOSES + timedelta(days=1))  # the day after closing: a round set so closes and publishes


@pytest.mark.parametrize("day,months,expected", [
    (date(2027, 1, 15), 1, date(2027, 2, 15)),
    (date(2027, 1, 31), 3, date(2027, 4, 30)),  # a day April lacks: its last
    (date(2027, 4, 30), 3, date(2027, 7, 31)),  # a month's last day stays the last
    (date(2027, 2, 28), 1, date(2027, 3, 31)),
    (date(2027, 11, 30), 3, date(2028, 2, 29)),  # into the next year, a leap February
    (date(2028, 2, 29), 12, date(2029, 2, 28)),
    (date(2027, 12, 10), 1, date(2028, 1, 10)),
    (date(2027, 8, 20), 6, date(2028, 2, 20)),
])
def test_a_period_later(day, months, expected):
    assert services.shifted(day, months) == expected


def repeating(company, cadence="quarter", **fields) -> Round:
    round_ = draft(company, publish_when_closed=True, **fields)
    services.set_cadence(company["facilitator"], round_, cadence)
    db.session.commit()
    return round_


def prepared_from(round_id: int) -> Round | None:
    return db.session.scalar(sa.select(Round).where(Round.prepared_from_id == round_id))


def run_through(round_: Round) -> list[str]:
    """Open and close (and so publish) the round by the schedule; the tick's lines."""
    return tick(at(round_.opens_on)) + tick(at(round_.closes_on + timedelta(days=1)))


def test_a_published_repeating_round_has_its_next_prepared_once(company):
    round_ = repeating(company)
    source = round_.id
    assert tick(at(OPENS)) == ["Opened Winter"]
    asked = [(rd.dimension_id, rd.position) for rd in db.session.get(Round, source).dimensions]
    assert tick(AFTER) == ["Closed Winter", "Published Winter", "Prepared Winter (2027-04)"]
    assert tick(AFTER) == [] and tick(AFTER + timedelta(days=1)) == []
    following = prepared_from(source)
    assert (following.name, following.state, following.confirmed) == ("Winter (2027-04)", "draft", False)
    assert (following.opens_on, following.closes_on) == (date(2027, 4, 12), date(2027, 4, 26))
    assert following.threshold == 3 and following.cadence == "quarter" and following.publish_when_closed
    assert set(following.departments) == {company["finance"], company["sales"]}
    assert [(rd.dimension_id, rd.position) for rd in following.dimensions] == asked
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "round.prepare"))
    assert (entry.target, entry.by_schedule) == ("Winter (2027-04)", True)


def test_a_round_that_does_not_repeat_has_no_next(company):
    round_id = draft(company, publish_when_closed=True).id
    tick(at(OPENS))
    tick(AFTER)
    assert state_of(round_id) == "published" and prepared_from(round_id) is None
    with pytest.raises(services.RatingError):
        services.prepare_next(company["facilitator"], db.session.get(Round, round_id))


def test_a_round_published_by_hand_has_its_next_prepared_by_the_tick(company):
    round_ = services.save_round(company["facilitator"], None, "Pulse", date(2027, 1, 1),
                                 date(2027, 1, 31), 3, [company["finance"], company["sales"]])
    services.set_cadence(company["facilitator"], round_, "month")
    for move in (services.open_round, services.close_round):
        move(company["facilitator"], round_)
    db.session.commit()
    assert tick(at(date(2027, 2, 1))) == []  # closed: waiting to be published
    services.publish_round(company["facilitator"], round_)
    db.session.commit()
    assert tick(at(date(2027, 2, 1))) == ["Prepared Pulse (2027-02)"]
    following = prepared_from(round_.id)
    assert (following.opens_on, following.closes_on) == (date(2027, 2, 1), date(2027, 2, 28))
    assert not following.publish_when_closed


def test_the_next_round_waits_for_a_facilitator_to_confirm_it(company):
    round_ = repeating(company)
    run_through(round_)
    following = prepared_from(round_.id)
    following_id = following.id
    assert tick(at(following.opens_on)) == []  # its day has come, but nobody confirmed it
    assert state_of(following_id) == "draft"
    with pytest.raises(services.RatingError, match="Confirm the next round first"):
        services.open_round(company["facilitator"], following)
    db.session.rollback()
    with pytest.raises(sa.exc.IntegrityError):  # the database holds it too
        db.session.execute(sa.update(Round).where(Round.id == following_id).values(state="open"))
    db.session.rollback()
    services.confirm_round(company["facilitator"], db.session.get(Round, following_id))
    db.session.commit()
    with pytest.raises(services.RatingError):
        services.confirm_round(company["facilitator"], db.session.get(Round, following_id))
    db.session.rollback()
    assert tick(at(date(2027, 4, 12))) == ["Opened Winter (2027-04)"]


def test_the_next_round_asks_what_the_last_asked_less_what_was_retired_since(company):
    round_ = repeating(company)
    tick(at(OPENS))
    first, second = (rd.dimension for rd in db.session.get(Round, round_.id).dimensions)
    second.retired = True
    add_dimensions(1)  # added since: not asked until a round starts afresh
    db.session.commit()
    tick(AFTER)
    following = prepared_from(round_.id)
    services.confirm_round(company["facilitator"], following)
    services.open_round(company["facilitator"], following)
    assert [rd.dimension for rd in following.dimensions] == [first]


def test_the_next_of_the_next_takes_the_name_a_period_on(company):
    round_ = repeating(company, cadence="year")
    run_through(round_)
    following = prepared_from(round_.id)
    services.confirm_round(company["facilitator"], following)
    db.session.commit()
    assert run_through(following)[-1] == "Prepared Winter (2029-01)"
    assert prepared_from(following.id).opens_on == date(2029, 1, 12)


def test_a_round_is_prepared_from_once_however_asked(app, company):
    round_ = repeating(company, cadence="month")
    tick(at(OPENS))
    services.close_round(company["facilitator"], round_)
    services.publish_round(company["facilitator"], round_)
    source = round_.id
    db.session.commit()  # no transaction left open, which SQLite's ticks would wait for
    outcomes = in_parallel(app, 4, lambda _i: tick(at(date(2027, 1, 27))))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sorted(line for lines in outcomes if lines for line in lines) == ["Prepared Winter (2027-02)"]
    with pytest.raises(sa.exc.IntegrityError):  # even past the schedule, the database keeps it to one
        services.prepare_next(company["facilitator"], db.session.get(Round, source))
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).where(Round.prepared_from_id == source)) == 1


def test_how_often_a_round_repeats_is_chosen_while_it_is_a_draft(company):
    round_ = draft(company)
    with pytest.raises(services.RatingError):
        services.set_cadence(company["facilitator"], round_, "fortnight")
    services.set_cadence(company["facilitator"], round_, "half_year")
    db.session.commit()
    tick(at(OPENS))
    round_ = db.session.get(Round, round_.id)
    services.set_cadence(company["facilitator"], round_, "half_year")  # unchanged: nothing to refuse
    with pytest.raises(services.RatingError, match="fixed"):
        services.set_cadence(company["facilitator"], round_, "year")
    db.session.rollback()
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(Round).where(Round.id == round_.id).values(cadence="fortnight"))
    db.session.rollback()


# Pages ---------------------------------------------------------------------------------------------

@pytest.fixture
def fac(client, company):
    assert client.sign_in("facilitator@example.com", PASSWORD).status_code == 303
    return client


ROUND = {"name": "Winter", "opens_on": "2027-01-12", "closes_on": "2027-01-26", "threshold": "3"}


def test_the_round_form_asks_how_often_the_round_repeats(fac, company):
    page = fac.get("/rounds/new")
    assert 'name="cadence"' in page.text
    assert "Repeat" in page_text(page) and "Every quarter" in page_text(page)
    data = {**ROUND, "department_ids": [str(company["finance"].id), str(company["sales"].id)]}
    assert fac.post("/rounds/new", data={**data, "cadence": "quarter"}).status_code == 303
    round_ = db.session.scalar(sa.select(Round).where(Round.name == "Winter"))
    assert round_.cadence == "quarter"
    assert "Every quarter" in read(fac.get(f"/rounds/{round_.id}"), ".facts")
    assert fac.post(f"/rounds/{round_.id}/edit", data={**data, "cadence": "bogus"}).status_code == 200
    assert fac.post(f"/rounds/{round_.id}/edit", data={**data, "cadence": "year"}).status_code == 303
    db.session.refresh(round_)
    assert round_.cadence == "year"
    tick(at(OPENS))
    edit = BeautifulSoup(fac.get(f"/rounds/{round_.id}/edit").get_data(as_text=True), "html.parser")
    assert edit.select_one("select#cadence").has_attr("disabled")
    # an open round's form does not send the disabled field: the round keeps its cadence
    assert fac.post(f"/rounds/{round_.id}/edit", data={"name": "Winter", "closes_on": "2027-01-27"}) \
        .status_code == 303
    db.session.refresh(round_)
    assert round_.cadence == "year"


def test_a_prepared_round_shows_a_banner_and_is_confirmed_with_a_button(fac, company):
    round_ = repeating(company)
    run_through(round_)
    following = prepared_from(round_.id)
    page = fac.get(f"/rounds/{following.id}")
    banner = read(page, ".prepared-round")
    assert "Prepared from Winter — check the departments and dates, then confirm." in banner
    assert "Confirm the next round" in banner
    assert "Open the round" not in page_text(page) and "Opens by itself" not in page_text(page)
    answer = fac.post(f"/rounds/{following.id}/confirm")
    assert answer.status_code == 303
    page = fac.get(f"/rounds/{following.id}")
    assert "The round is confirmed" in page_text(page)
    assert read(page, ".prepared-round") == ""
    assert "Opens by itself on Apr 12, 2027 (UTC)." in read(page, ".by-itself")
    assert "Open the round" in page_text(page)
    fac.post(f"/rounds/{following.id}/confirm")  # again: said, not done twice
    assert "This round is confirmed already." in page_text(fac.get(f"/rounds/{following.id}"))
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.action == "round.confirm")) == 1


@pytest.mark.parametrize("who", ["admin@example.com", None])
def test_only_facilitators_confirm(client, company, who):
    round_ = repeating(company)
    run_through(round_)
    following = prepared_from(round_.id)
    if who:
        assert client.sign_in(who, PASSWORD).status_code == 303
    answer = client.post(f"/rounds/{following.id}/confirm")
    assert answer.status_code == 403 if who else answer.status_code in (302, 303)
    db.session.refresh(following)
    assert not following.confirmed


def test_a_department_made_since_is_not_taken_into_the_next_round(company):
    round_ = repeating(company)
    make_department("Legal", "LEG")
    run_through(round_)
    assert {d.code for d in prepared_from(round_.id).departments} == {"FIN", "SAL"}


def test_the_facilitators_are_told_to_confirm_the_prepared_round(company, inbox):
    round_ = repeating(company)
    run_through(round_)
    following = prepared_from(round_.id)
    told = [m for m in inbox if "is prepared" in str(make_header(decode_header(m["Subject"])))]
    assert [m["To"] for m in told] == [company["facilitator"].email]  # the seller is no facilitator
    text = told[0].get_payload(decode=True).decode()
    assert f"http://localhost/rounds/{following.id}" in text and "April 12, 2027" in text
