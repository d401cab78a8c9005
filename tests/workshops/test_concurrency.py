"""The dot budget under parallel clicks, and board actions sent twice at once, on whichever database the
suite runs on (SQLite by default, PostgreSQL with TEST_DATABASE_URL): each thread is a request of its own,
with its own session."""
import threading
from datetime import date

import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.auth.models import User
from app.extensions import db
from app.projects.models import Project
from app.workshops import services
from app.workshops.models import Card, Participant, Vote, Workshop
from tests.factories import count, make_department, make_user, page_text, posted_at_once
from tests.workshops.test_pages import (  # noqa: F401 (ws is a fixture)
    a_card,
    setup_data,
    to_phase,
    url,
    voting,
    ws,
)


def voting_workshop(people: int, budget: int):
    finance, sales = make_department("Finance", "FIN"), make_department("Sales", "SAL")
    facilitator = make_user("fac@example.com", is_facilitator=True)
    participants = [make_user(department=finance if i % 2 else sales) for i in range(people)]
    workshop = services.save_workshop(facilitator, None, "Parallel", date(2026, 12, 1), None,
                                      [finance, sales], participants, budget, False, False)
    services.move_phase(facilitator, workshop, 1)
    services.move_phase(facilitator, workshop, 1)
    card = services.add_card(facilitator, workshop, "A problem worth dots", None, None)
    for _ in range(2):
        services.move_phase(facilitator, workshop, 1)
    assert workshop.phase == "vote"
    db.session.commit()
    return workshop.id, card.id, [p.id for p in participants]


def in_parallel(app, jobs: list[tuple[int, int]]) -> tuple[list[str], list[BaseException]]:
    """Run vote(user, card) for each (user id, card id) at once; returns the refusals and the errors."""
    barrier = threading.Barrier(len(jobs))
    refusals, errors = [], []

    def run(user_id: int, card_id: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                services.vote(db.session.get(User, user_id), db.session.get(Card, card_id))
                db.session.commit()
            except services.WorkshopError as refusal:
                db.session.rollback()
                refusals.append(str(refusal))
            except BaseException as error:  # noqa: BLE001  (an OperationalError would land here)
                db.session.rollback()
                errors.append(error)

    threads = [threading.Thread(target=run, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return refusals, errors


def test_twenty_parallel_clicks_spend_exactly_the_budget(app):
    workshop_id, card_id, (person, *_others) = voting_workshop(people=2, budget=3)
    db.session.remove()
    refusals, errors = in_parallel(app, [(person, card_id)] * 20)
    assert errors == []
    assert len(refusals) == 17 and set(refusals) == {"You have no dots left: take one back to move it."}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Vote).where(Vote.user_id == person)) == 3
    assert db.session.scalar(sa.select(Participant.votes_left).where(
        Participant.workshop_id == workshop_id, Participant.user_id == person)) == 0


def test_thirty_participants_voting_at_once_are_each_counted_once(app):
    workshop_id, card_id, people = voting_workshop(people=30, budget=2)
    before = db.session.get(Workshop, workshop_id).version
    db.session.remove()
    refusals, errors = in_parallel(app, [(person, card_id) for person in people])
    assert (refusals, errors) == ([], [])
    assert count(Vote) == 30
    workshop = db.session.get(Workshop, workshop_id)
    assert services.card_votes(db.session.get(Card, card_id)) == 30
    assert services.voting_progress(workshop) == (30, 30)
    assert {p.votes_left for p in workshop.participants} == {1}
    assert workshop.version == before + 30  # every dot is one visible change, none lost


# The same board action sent twice at once (a double-click, two tabs), through the page -----------------

def phase_moves() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.details)
                                   .where(AuditEntry.action == "workshop.phase").order_by(AuditEntry.id)))


def test_a_double_clicked_next_phase_moves_one_phase_and_the_other_click_is_told(app, org, ws):  # noqa: F811
    to_phase(org, ws, "review")
    moves = len(phase_moves())
    browsers, responses = posted_at_once(app, org["facilitator"], url(ws, "/phase"),
                                         {"step": "1", "phase": "review"})
    assert [r.status_code for r in responses] == [303] * len(browsers)
    db.session.expire_all()
    assert ws.phase == "collect"
    assert phase_moves()[moves:] == ["review -> collect"]
    pages = [page_text(b.get(url(ws))) for b in browsers]
    assert sum("The workshop is now in the Collect phase." in page for page in pages) == 1
    assert sum("The workshop has already moved on: it is in the Collect phase." in page
               for page in pages) == len(browsers) - 1


def test_a_card_turned_into_a_project_twice_at_once_makes_one_project(app, org, ws):  # noqa: F811
    _first, second = voting(org, ws)
    to_phase(org, ws, "projects")
    prefix = f"card{second.id}-"
    data = {prefix + "title": "Invoices on time", prefix + "owner_department_id": org["finance"].id,
            prefix + "department_ids": [org["sales"].id]}
    browsers, responses = posted_at_once(app, org["facilitator"], url(ws, f"/cards/{second.id}/project"),
                                         data)
    assert [r.status_code for r in responses] == [303] * len(browsers)
    assert count(Project) == 1
    assert count_audited("workshop.project") == 1
    pages = [page_text(b.get(url(ws))) for b in browsers]
    assert sum("This card has already become a project." in page for page in pages) == len(browsers) - 1


def test_a_merge_sent_twice_at_once_merges_once(app, org, ws):  # noqa: F811
    to_phase(org, ws, "collect")
    group, *cards = [a_card(org, ws, f"Invoices late, take {i}") for i in range(3)]
    to_phase(org, ws, "group")
    browsers, responses = posted_at_once(app, org["facilitator"], url(ws, "/merge"),
                                         {"group_id": group.id, "card_ids": [c.id for c in cards]})
    assert [r.status_code for r in responses] == [303] * len(browsers)
    assert count_audited("workshop.merge") == 1
    db.session.expire_all()
    assert {c.merged_into_id for c in cards} == {group.id}
    pages = [page_text(b.get(url(ws))) for b in browsers]
    assert sum("Those cards are already merged into that group card." in page
               for page in pages) == len(browsers) - 1


def count_audited(action: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == action))


def test_a_double_submitted_card_is_added_once(app, org, ws):  # noqa: F811
    to_phase(org, ws, "collect")
    card = {"text": "Approvals take a week", "dimension_id": 0, "root_cause_id": 0}
    browsers, responses = posted_at_once(app, org["employee"], url(ws, "/cards"), card)
    assert [r.status_code for r in responses] == [303] * len(browsers)
    assert count(Card) == 1
    pages = [page_text(b.get(url(ws))) for b in browsers]
    assert sum("This card is already on the board." in page for page in pages) == len(browsers) - 1


def test_a_double_clicked_withdraw_withdraws_once_and_the_other_click_is_told(app, org, ws):  # noqa: F811
    to_phase(org, ws, "collect")
    card = a_card(org, ws)
    browsers, responses = posted_at_once(app, org["employee"], url(ws, f"/cards/{card.id}/withdraw"))
    assert [r.status_code for r in responses] == [303] * len(browsers)
    assert count(Card) == 0
    pages = [page_text(b.get(url(ws))) for b in browsers]
    assert sum("That card is no longer on the board." in page for page in pages) == len(browsers) - 1


def test_a_double_clicked_new_workshop_form_makes_one_workshop(app, org):
    """Every copy of the form (one one-time value) goes to the one workshop's board, with one audit entry."""
    browsers, responses = posted_at_once(app, org["facilitator"], "/workshops/new",
                                         setup_data(org, form_token="double-clicked-workshop"))
    workshop = db.session.scalar(sa.select(Workshop))
    assert count(Workshop) == 1 and count(Participant) == 2
    board = url(workshop)
    assert [(r.status_code, r.headers["Location"]) for r in responses] == [(303, board)] * len(browsers)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "workshop.create")) == 1
    pages = [page_text(b.get(board)) for b in browsers]
    assert sum("Workshop Hand-offs saved." in page for page in pages) == 1
    told = sum("This workshop was already created: here it is." in page for page in pages)
    assert told == len(browsers) - 1
