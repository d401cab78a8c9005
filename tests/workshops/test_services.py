"""The rules of workshops: set-up, phases moved only by the facilitator, cards (anonymous ones store no
author), merging, the dot budget and take-back, balanced ranking, projects from cards, minutes, versions."""
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.database import MadeAlready
from app.dimensions.models import Dimension
from app.dimensions.services import seed_default_dimensions
from app.extensions import db
from app.projects.models import Project, RootCause
from app.workshops import policies, services
from app.workshops.models import PHASES, Card, Participant, Vote, Workshop
from app.workshops.services import WorkshopError
from tests.factories import count, make_department, make_user
from tests.reports.test_results import company, survey  # noqa: F401  (the rating fixture and helper)

HELD_ON = date(2026, 12, 1)


# The categories migration 0004 seeds; on PostgreSQL the suite empties every table between tests.
ROOT_CAUSES = (("people", "People", "Люди"), ("systems", "Systems", "Системы"),
               ("processes", "Processes & procedures", "Процессы и процедуры"),
               ("products", "Products", "Продукты"), ("clients", "Clients", "Клиенты"))


def seed_root_causes() -> None:
    if not count(RootCause):
        db.session.add_all(RootCause(key=k, name_en=en, name_ru=ru, position=i)
                           for i, (k, en, ru) in enumerate(ROOT_CAUSES, start=1))
        db.session.flush()


@pytest.fixture
def cast(app):
    """Finance and Sales take part, Legal does not; a facilitator, two people of Sales, one of Finance."""
    seed_default_dimensions()
    seed_root_causes()
    finance, sales, legal = (make_department(n, c) for n, c in (("Finance", "FIN"), ("Sales", "SAL"),
                                                                ("Legal", "LEG")))
    people = {
        "facilitator": make_user("fac@example.com", "Fay Facilitator", is_facilitator=True),
        "ann": make_user("ann@example.com", "Ann Finance", finance),
        "bob": make_user("bob@example.com", "Bob Sales", sales),
        "cat": make_user("cat@example.com", "Cat Sales", sales),
        "lee": make_user("lee@example.com", "Lee Legal", legal),
    }
    db.session.commit()
    return {"finance": finance, "sales": sales, "legal": legal, **people}


def dimension(key="accessibility") -> Dimension:
    return db.session.scalar(sa.select(Dimension).where(Dimension.key == key))


def cause(key="processes") -> RootCause:
    return db.session.scalar(sa.select(RootCause).where(RootCause.key == key))


def setup(cast, title="Finance meets Sales", budget=3, anonymous=False, balanced=False, people=None,
          departments=None, actor=None):
    return services.save_workshop(
        actor or cast["facilitator"], None, title, HELD_ON, None,
        departments or [cast["finance"], cast["sales"]],
        people if people is not None else [cast["ann"], cast["bob"], cast["cat"]], budget, anonymous,
        balanced)


def to_phase(cast, workshop, phase):
    while PHASES.index(workshop.phase) < PHASES.index(phase):
        services.move_phase(cast["facilitator"], workshop, 1)
    while PHASES.index(workshop.phase) > PHASES.index(phase):
        services.move_phase(cast["facilitator"], workshop, -1)


def card(cast, workshop, who="ann", text="Invoices come back three times", dim="accessibility",
         root="processes") -> Card:
    return services.add_card(cast[who], workshop, text, dimension(dim) if dim else None,
                             cause(root) if root else None)


def votes_left(workshop, person) -> int:
    return db.session.scalar(sa.select(Participant.votes_left).where(
        Participant.workshop_id == workshop.id, Participant.user_id == person.id))


# Set-up ------------------------------------------------------------------------------------------

def test_a_facilitator_sets_up_a_workshop_with_a_budget_for_each_participant(cast):
    workshop = setup(cast, budget=4, anonymous=True, balanced=True)
    db.session.commit()
    assert (workshop.phase, workshop.vote_budget, workshop.anonymous_cards, workshop.balanced_votes) == (
        "scheduled", 4, True, True)
    assert [d.name for d in workshop.departments] == ["Finance", "Sales"]
    assert {(p.user.name, p.department.name, p.votes_left) for p in workshop.participants} == {
        ("Ann Finance", "Finance", 4), ("Bob Sales", "Sales", 4), ("Cat Sales", "Sales", 4)}
    assert db.session.scalar(sa.select(AuditEntry.action).where(AuditEntry.target == workshop.title)) == \
        "workshop.create"


def test_a_workshop_form_sent_again_finds_the_workshop_it_made(cast):
    """The same form token twice makes one workshop, with one audit entry; another token makes another."""
    def setup_with(token):
        return services.save_workshop(cast["facilitator"], None, "Finance meets Sales", HELD_ON, None,
                                      [cast["finance"], cast["sales"]], [cast["ann"], cast["bob"]], 3, False,
                                      False, form_token=token)

    first = setup_with("tok-1")
    db.session.commit()
    with pytest.raises(MadeAlready) as made:
        setup_with("tok-1")
    db.session.rollback()
    assert made.value.made_id == first.id
    assert count(Workshop) == 1 and count(Participant) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "workshop.create")) == 1
    assert setup_with("tok-2").id != first.id


@pytest.mark.parametrize(("change", "message"), [
    ({"actor": "ann"}, "Only a facilitator"),
    ({"departments": ["finance"]}, "at least two"),
    ({"people": ["ann", "lee"]}, "Lee Legal is not in a department taking part"),
    ({"budget": 0}, "between 1 and 20"),
    ({"budget": 21}, "between 1 and 20"),
    ({"title": "  "}, "title"),
])
def test_set_up_refuses_what_breaks_the_rules(cast, change, message):
    kwargs = {}
    if "actor" in change:
        kwargs["actor"] = cast[change["actor"]]
    if "departments" in change:
        kwargs["departments"] = [cast[d] for d in change["departments"]]
    if "people" in change:
        kwargs["people"] = [cast[p] for p in change["people"]]
    kwargs.update({k: v for k, v in change.items() if k in ("budget", "title")})
    with pytest.raises(WorkshopError, match=message):
        setup(cast, **kwargs)
    db.session.rollback()
    assert count(Workshop) == 0


def test_a_deactivated_person_cannot_take_part(cast):
    cast["bob"].active = False
    with pytest.raises(WorkshopError, match="Bob Sales is deactivated"):
        setup(cast)


def test_budget_departments_and_anonymity_are_fixed_once_started(cast):
    workshop = setup(cast)
    facilitator = cast["facilitator"]

    def save(**change):
        values = dict(title=workshop.title, held_on=HELD_ON, round_=None,
                      departments=[cast["finance"], cast["sales"]], participants=[cast["ann"], cast["bob"]],
                      vote_budget=3, anonymous_cards=False, balanced_votes=False)
        values.update(change)
        return services.save_workshop(facilitator, workshop, **values)

    save(vote_budget=5, anonymous_cards=True)  # still scheduled: anything goes
    assert workshop.vote_budget == 5 and {p.votes_left for p in workshop.participants} == {5}
    save(vote_budget=3)
    services.move_phase(facilitator, workshop, 1)
    for change, message in (({"vote_budget": 4}, "vote budget is fixed"),
                            ({"departments": [cast["finance"], cast["sales"], cast["legal"]]},
                             "departments taking part are fixed"),
                            ({"anonymous_cards": True}, "anonymous is fixed")):
        with pytest.raises(WorkshopError, match=message):
            save(**change)
    save(title="Renamed", participants=[cast["ann"], cast["bob"], cast["cat"]])  # a late joiner is fine
    assert workshop.title == "Renamed" and votes_left(workshop, cast["cat"]) == 3


def test_who_has_voted_stays_a_participant(cast):
    workshop = setup(cast)
    to_phase(cast, workshop, "collect")
    a = card(cast, workshop)
    to_phase(cast, workshop, "vote")
    services.vote(cast["bob"], a)
    with pytest.raises(WorkshopError, match="Bob Sales has already voted"):
        services.save_workshop(cast["facilitator"], workshop, workshop.title, HELD_ON, None,
                               [cast["finance"], cast["sales"]], [cast["ann"]], 3, False, False)


# Phases ------------------------------------------------------------------------------------------

def test_phases_move_one_at_a_time_by_the_facilitator_and_not_past_the_ends(cast):
    workshop = setup(cast)
    with pytest.raises(WorkshopError, match="not started"):
        services.move_phase(cast["facilitator"], workshop, -1)
    with pytest.raises(WorkshopError, match="Only a facilitator"):
        services.move_phase(cast["ann"], workshop, 1)
    with pytest.raises(WorkshopError, match="one phase"):
        services.move_phase(cast["facilitator"], workshop, 2)
    seen = [services.move_phase(cast["facilitator"], workshop, 1) for _ in PHASES[1:]]
    assert seen == list(PHASES[1:])
    with pytest.raises(WorkshopError, match="last phase"):
        services.move_phase(cast["facilitator"], workshop, 1)
    assert services.move_phase(cast["facilitator"], workshop, -1) == "projects"
    db.session.commit()
    moves = list(db.session.scalars(sa.select(AuditEntry.details).where(AuditEntry.action == "workshop.phase")
                                    .order_by(AuditEntry.id)))
    assert moves[0] == "scheduled -> review" and moves[-1] == "wrapup -> projects" and len(moves) == 7


def _action(cast, workshop, name, target):
    return {
        "add": lambda: card(cast, workshop, who="bob"),
        "edit": lambda: services.edit_card(cast["ann"], target, "New text", None, None, owns=True),
        "withdraw": lambda: services.withdraw_card(cast["ann"], target, owns=True),
        "merge": lambda: services.merge_cards(cast["facilitator"], target, [workshop.cards[1]]),
        "vote": lambda: services.vote(cast["bob"], target),
        "project": lambda: services.turn_into_project(cast["facilitator"], target, cast["finance"],
                                                      [cast["sales"]], "A project"),
    }[name]()


@pytest.mark.parametrize(("action", "allowed"), [
    ("add", "collect"), ("edit", "collect"), ("withdraw", "collect"), ("merge", "group"), ("vote", "vote"),
    ("project", "projects")])
def test_each_action_belongs_to_its_phase(cast, action, allowed):
    workshop = setup(cast)
    to_phase(cast, workshop, "collect")
    target = card(cast, workshop)
    card(cast, workshop, who="cat", text="Nobody answers the phone")
    for phase in PHASES:
        if phase == allowed:
            continue
        to_phase(cast, workshop, phase)
        before = (count(Card), count(Vote), count(Project), target.text, target.merged_into_id)
        with pytest.raises(WorkshopError, match="phase"):
            _action(cast, workshop, action, target)
        assert (count(Card), count(Vote), count(Project), target.text, target.merged_into_id) == before
    to_phase(cast, workshop, allowed)
    _action(cast, workshop, action, target)


# Cards -------------------------------------------------------------------------------------------

def test_anonymous_cards_store_no_author(cast):
    workshop = setup(cast, anonymous=True)
    to_phase(cast, workshop, "collect")
    by_ann = card(cast, workshop, who="ann", text="The same words")
    by_bob = card(cast, workshop, who="bob", text="The same words")
    db.session.commit()
    rows = [dict(row) for row in db.session.execute(
        sa.text("SELECT * FROM workshop_cards ORDER BY id")).mappings()]
    assert [r["author_id"] for r in rows] == [None, None]
    # Nothing else tells the two apart: everything but the card's own id is identical.
    assert [{k: v for k, v in r.items() if k != "id"} for r in rows][0] == \
        [{k: v for k, v in r.items() if k != "id"} for r in rows][1]
    assert set(rows[0]) == {"id", "workshop_id", "text", "dimension_id", "root_cause_id", "author_id",
                            "anonymous", "merged_into_id", "project_id", "seed"}  # seed: a theme's card
    # and neither a log entry nor the minutes name them
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.actor_id.in_([cast["ann"].id, cast["bob"].id]))) == 0
    minutes = services.minutes(workshop)
    assert {g.card.author for g in minutes.groups} == {"anonymous"}
    assert by_ann.author is None and by_bob.author is None


def test_on_a_named_workshop_a_card_can_be_posted_without_a_name(cast):
    workshop = setup(cast)
    to_phase(cast, workshop, "collect")
    named = card(cast, workshop, who="ann", text="Signed")
    unnamed = services.add_card(cast["bob"], workshop, "Unsigned", None, None, anonymous=True)
    db.session.commit()
    assert (named.author_id, named.anonymous) == (cast["ann"].id, False)
    assert (unnamed.author_id, unnamed.anonymous) == (None, True)
    assert {g.card.text: g.card.author for g in services.minutes(workshop).groups} == {
        "Signed": cast["ann"].name, "Unsigned": "anonymous"}
    with pytest.raises(WorkshopError):  # without the writer's session, nobody may change it: not even them
        services.edit_card(cast["bob"], unnamed, "Changed", None, None, owns=False)
    services.edit_card(cast["bob"], unnamed, "Changed", None, None, owns=True)
    assert unnamed.text == "Changed"


def test_the_database_refuses_an_anonymous_card_with_an_author(cast):
    workshop = setup(cast)
    to_phase(cast, workshop, "collect")
    named = card(cast, workshop, who="ann", text="Signed")
    db.session.commit()
    named.anonymous = True
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()


def test_named_cards_keep_their_author_and_only_the_author_changes_them(cast):
    workshop = setup(cast)
    to_phase(cast, workshop, "collect")
    mine = card(cast, workshop, who="ann")
    assert mine.author == cast["ann"]
    with pytest.raises(WorkshopError, match="only your own"):
        services.edit_card(cast["bob"], mine, "Bob's words", None, None, owns=True)  # a lying view
    with pytest.raises(WorkshopError, match="only your own"):
        services.withdraw_card(cast["bob"], mine, owns=True)
    services.edit_card(cast["ann"], mine, "  Clearer words ", dimension("courtesy"), cause("people"),
                       owns=False)
    assert (mine.text, mine.dimension.key, mine.root_cause.key) == ("Clearer words", "courtesy", "people")
    services.withdraw_card(cast["ann"], mine, owns=False)
    assert count(Card) == 0


def test_an_anonymous_card_is_changed_only_by_whose_session_holds_it(cast):
    workshop = setup(cast, anonymous=True)
    to_phase(cast, workshop, "collect")
    anonymous = card(cast, workshop, who="ann")
    with pytest.raises(WorkshopError, match="only your own"):
        services.edit_card(cast["ann"], anonymous, "Changed", None, None, owns=False)
    services.edit_card(cast["ann"], anonymous, "Changed", None, None, owns=True)
    assert anonymous.text == "Changed" and anonymous.author_id is None
    services.withdraw_card(cast["ann"], anonymous, owns=True)
    assert count(Card) == 0


def test_only_participants_and_facilitators_add_cards_with_some_text(cast):
    workshop = setup(cast)
    to_phase(cast, workshop, "collect")
    with pytest.raises(WorkshopError, match="Only participants"):
        card(cast, workshop, who="lee")
    with pytest.raises(WorkshopError, match="Write the problem"):
        card(cast, workshop, text="   ")
    with pytest.raises(WorkshopError, match="at most 500"):
        card(cast, workshop, text="x" * 501)
    card(cast, workshop, who="facilitator")
    assert count(Card) == 1
    assert policies.can_take_part(cast["facilitator"], workshop)
    assert not policies.can_view(cast["lee"], workshop)


# Merging and votes -------------------------------------------------------------------------------

def test_merged_cards_keep_their_sources_and_their_dots_count_for_the_group(cast):
    workshop = setup(cast)
    to_phase(cast, workshop, "collect")
    a, b, c, d = (card(cast, workshop, text=t) for t in ("A", "B", "C", "D"))
    to_phase(cast, workshop, "group")
    with pytest.raises(WorkshopError, match="Only a facilitator"):
        services.merge_cards(cast["ann"], a, [b])
    services.merge_cards(cast["facilitator"], a, [b])
    assert b.group == a and a.sources == [b]
    services.merge_cards(cast["facilitator"], c, [a])  # a's own source follows it into c
    db.session.commit()
    db.session.expire_all()
    assert c.sources == [a, b] and a.sources == [] and b.group == c
    with pytest.raises(WorkshopError, match="into itself"):
        services.merge_cards(cast["facilitator"], c, [c])
    with pytest.raises(WorkshopError, match="already merged"):
        services.merge_cards(cast["facilitator"], a, [c])  # into one of its own sources
    with pytest.raises(WorkshopError, match="Choose the cards"):
        services.merge_cards(cast["facilitator"], c, [])
    other = setup(cast, title="Another")
    to_phase(cast, other, "collect")
    stranger = card(cast, other, text="Elsewhere")
    with pytest.raises(WorkshopError, match="same workshop"):
        services.merge_cards(cast["facilitator"], c, [stranger])
    assert [x.text for x in services.group_cards(workshop)] == ["C", "D"]

    to_phase(cast, workshop, "vote")
    with pytest.raises(WorkshopError, match="vote on its group"):
        services.vote(cast["bob"], a)
    services.vote(cast["bob"], c)
    services.vote(cast["cat"], d)
    services.vote(cast["cat"], d)
    to_phase(cast, workshop, "group")  # back: the facilitator merges d into c after the votes
    services.merge_cards(cast["facilitator"], c, [d])
    assert services.card_votes(c) == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Vote).where(Vote.card_id == d.id)) == 2
    assert [(r.card.text, r.dots) for r in services.ranking(workshop)] == [("C", 3)]
    to_phase(cast, workshop, "vote")
    services.unvote(cast["cat"], c)  # a dot on a source is taken back through its group
    assert services.card_votes(c) == 2 and votes_left(workshop, cast["cat"]) == 2


def test_dot_budget_several_dots_on_a_card_and_taking_one_back(cast):
    workshop = setup(cast, budget=2)
    to_phase(cast, workshop, "collect")
    a, b = card(cast, workshop, text="A"), card(cast, workshop, text="B")
    to_phase(cast, workshop, "vote")
    assert services.voting_progress(workshop) == (0, 3)
    services.vote(cast["bob"], a)
    services.vote(cast["bob"], a)
    with pytest.raises(WorkshopError, match="no dots left"):
        services.vote(cast["bob"], b)
    assert votes_left(workshop, cast["bob"]) == 0 and services.card_votes(a) == 2
    with pytest.raises(WorkshopError, match="no dot on this card"):
        services.unvote(cast["bob"], b)
    services.unvote(cast["bob"], a)
    services.vote(cast["bob"], b)
    assert (services.card_votes(a), services.card_votes(b), votes_left(workshop, cast["bob"])) == (1, 1, 0)
    assert services.my_dots(cast["bob"], workshop) == {a.id: 1, b.id: 1}
    with pytest.raises(WorkshopError, match="abstains"):
        services.vote(cast["facilitator"], a)  # not a participant: the facilitator abstains
    assert services.voting_progress(workshop) == (1, 3)
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.actor_id == cast["bob"].id))  # votes are not logged


def test_withdrawing_a_voted_card_after_going_back_returns_the_dots(cast):
    workshop = setup(cast)
    to_phase(cast, workshop, "collect")
    a = card(cast, workshop, who="ann")
    to_phase(cast, workshop, "vote")
    services.vote(cast["bob"], a)
    to_phase(cast, workshop, "collect")
    services.withdraw_card(cast["ann"], a, owns=True)
    assert count(Vote) == 0 and votes_left(workshop, cast["bob"]) == 3


def test_balanced_votes_stop_a_large_department_outvoting_a_small_one(cast):
    big, small = cast["sales"], cast["finance"]
    sales = [make_user(department=big) for _ in range(6)]
    finance = [make_user(department=small) for _ in range(2)]
    results = {}
    for balanced in (False, True):
        workshop = setup(cast, title=f"Balanced {balanced}", budget=1, balanced=balanced,
                         people=sales + finance)
        to_phase(cast, workshop, "collect")
        sales_card = card(cast, workshop, who="facilitator", text="Sales' problem")
        finance_card = card(cast, workshop, who="facilitator", text="Finance's problem")
        to_phase(cast, workshop, "vote")
        for person in sales[:5]:
            services.vote(person, sales_card)
        for person in [sales[5], *finance]:
            services.vote(person, finance_card)
        results[balanced] = [(r.card.text, r.dots, round(r.score, 2)) for r in services.ranking(workshop)]
    assert results[False] == [("Sales' problem", 5, 5), ("Finance's problem", 3, 3)]
    # each Sales dot weighs 4/6, each Finance dot 4/2: both departments weigh 4 in all
    assert results[True] == [("Finance's problem", 3, 4.67), ("Sales' problem", 5, 3.33)]


def test_ties_are_ranked_by_card_order(cast):
    workshop = setup(cast)
    to_phase(cast, workshop, "collect")
    a, b = card(cast, workshop, text="A"), card(cast, workshop, text="B")
    to_phase(cast, workshop, "vote")
    services.vote(cast["bob"], b)
    services.vote(cast["cat"], a)
    assert [r.card.text for r in services.ranking(workshop)] == ["A", "B"]


# Projects ----------------------------------------------------------------------------------------

def test_a_top_card_becomes_a_proposed_cross_department_project(cast):
    workshop = setup(cast)
    to_phase(cast, workshop, "collect")
    top = card(cast, workshop, text="Invoices come back three times", dim="reliability", root="systems")
    extra = card(cast, workshop, text="Invoice portal is down on Mondays")
    to_phase(cast, workshop, "group")
    services.merge_cards(cast["facilitator"], top, [extra])
    to_phase(cast, workshop, "vote")
    services.vote(cast["bob"], top)
    to_phase(cast, workshop, "projects")
    with pytest.raises(WorkshopError, match="Only a facilitator"):
        services.turn_into_project(cast["ann"], top, cast["finance"], [cast["sales"]], "Invoices right")
    with pytest.raises(WorkshopError, match="cross-department"):
        services.turn_into_project(cast["facilitator"], top, cast["finance"], [cast["finance"]], "Alone")
    with pytest.raises(WorkshopError, match="turn its group"):
        services.turn_into_project(cast["facilitator"], extra, cast["finance"], [cast["sales"]], "Source")
    project = services.turn_into_project(cast["facilitator"], top, cast["finance"], [cast["sales"]],
                                         "Invoices right the first time")
    db.session.commit()
    assert project.status == "proposed" and project.metric is None  # a metric before it can start
    assert project.owner_department == cast["finance"] and {d.name for d in project.departments} == {
        "Finance", "Sales"}
    assert (project.source_dimension.key, project.root_cause.key) == ("reliability", "systems")
    assert top.project == project  # the link back to the workshop
    assert "Invoices come back three times" in project.problem and "down on Mondays" in project.problem
    assert project.evidence == ""  # people's own words go there; the dots are in the minutes
    with pytest.raises(WorkshopError, match="already become a project"):
        services.turn_into_project(cast["facilitator"], top, cast["finance"], [cast["sales"]], "Again")
    assert count(Project) == 1


# Review board ------------------------------------------------------------------------------------

def test_the_review_board_needs_a_published_round(cast):
    workshop = setup(cast)
    board = services.review_board(workshop)
    assert board.reason == "This workshop works from no rating round." and board.weak_spots == []


def test_the_review_board_reads_the_round_through_the_gate(company):  # noqa: F811
    finance, sales, support, legal = (company[c] for c in ("FIN", "SAL", "SUP", "LEG"))
    s = survey(company)
    s.rate(sales, finance, [[1, 1, 1, 2, 2, 2, 2, 2, 2]] * 3)
    s.rate(finance, sales, [4] * 3)
    s.rate(finance, "self", [5] * 3)
    s.rate(support, legal, [2] * 2)  # fewer than k = 3: shows nothing
    s.rate(legal, support, [5] * 3)
    workshop = services.save_workshop(company["facilitator"], None, "Review", HELD_ON, s.round,
                                      [finance, sales, legal], [], 3, False, False)
    open_board = services.review_board(workshop)
    assert open_board.reason == "The results of Spring are not published yet." and not open_board.departments
    s.publish()
    db.session.expire_all()  # read back what was stored
    board = services.review_board(workshop)
    assert board.reason is None
    weak = {(d.name, row.dimension.key) for d, row in board.weak_spots}
    assert {key for name, key in weak if name == "Finance"} == {"competence", "accessibility", "courtesy"}
    assert not [1 for name, _key in weak if name == "Legal"]  # 2 raters < k
    assert {(d.name, row.dimension.key) for d, row in board.blind_spots} >= {("Finance", "competence")}
    assert [(p.a.name, p.b.name) for p in board.tensions] == [("Finance", "Sales")]


# Minutes -----------------------------------------------------------------------------------------

def finished(cast):
    workshop = setup(cast, anonymous=False)
    to_phase(cast, workshop, "collect")
    top = card(cast, workshop, who="ann", text="Invoices come back", dim="reliability", root="systems")
    merged = card(cast, workshop, who="bob", text="=SUM(A1) portal down", dim="reliability", root="people")
    low = card(cast, workshop, who="cat", text="Late replies", dim="communication", root="people")
    to_phase(cast, workshop, "group")
    services.merge_cards(cast["facilitator"], top, [merged])
    to_phase(cast, workshop, "vote")
    for person in ("ann", "bob", "cat"):
        services.vote(cast[person], top)
    services.vote(cast["bob"], low)
    to_phase(cast, workshop, "projects")
    services.turn_into_project(cast["facilitator"], top, cast["finance"], [cast["sales"]], "Invoices right")
    to_phase(cast, workshop, "wrapup")
    db.session.commit()
    db.session.expire_all()  # the minutes read back what was stored
    return workshop


def test_minutes_hold_participants_cards_votes_decisions_and_root_causes(cast):
    minutes = services.minutes(finished(cast))
    assert minutes.participants == [("Ann Finance", "Finance"), ("Bob Sales", "Sales"),
                                    ("Cat Sales", "Sales")]
    assert [(g.card.text, g.dots, g.card.author, [s.text for s in g.sources]) for g in minutes.groups] == [
        ("Invoices come back", 3, "Ann Finance", ["=SUM(A1) portal down"]),
        ("Late replies", 1, "Cat Sales", [])]
    assert [(d.project.title, d.project.owner_department.name, d.dots) for d in minutes.decisions] == [
        ("Invoices right", "Finance", 3)]
    assert minutes.voted == 3 and minutes.cards == 3
    by_category, groups = minutes.card_split
    assert {(r.label, r.count, r.percent) for r in by_category if r.count} == {("Systems", 1, 33),
                                                                               ("People", 2, 67)}
    assert [(r.count, r.typical) for r in groups][2] == (2, (20, 30))  # people, beside the typical 20–30 %


def test_minutes_as_markdown_and_csv(cast):
    minutes = services.minutes(finished(cast))
    markdown = services.minutes_markdown(minutes)
    assert markdown.startswith("# Finance meets Sales\n")
    for expected in ("## Participants", "- Ann Finance (Finance)", "1. **Invoices come back** — 3 dots",
                     "    - =SUM(A1) portal down (Bob Sales)", "2. **Late replies** — 1 dot;",
                     "- Invoices right — owner Finance, with Sales", "3 of 3 participants voted",
                     "count for its group"):
        assert expected in markdown
    tables = services.minutes_tables(minutes)
    assert list(tables) == list(services.MINUTES_TABLES)
    assert ["Ann Finance", "Finance"] in tables["participants"]
    assert tables["cards"][1][:3] == [1, "Invoices come back", None]
    assert tables["cards"][1][6:] == [3, Decimal("3.00"), "Invoices right"]
    assert tables["cards"][2][:3] == [None, "=SUM(A1) portal down", 1]  # merged into the first
    assert tables["decisions"][1][:2] == ["Invoices right", "Finance"]
    assert all(len(row) == len(table[0]) for table in tables.values() for row in table)


# Versions ----------------------------------------------------------------------------------------

def test_every_visible_change_bumps_the_version_and_reads_do_not(cast):
    workshop = setup(cast)
    db.session.commit()
    seen = [workshop.version]

    def changed():
        db.session.commit()
        assert workshop.version > seen[-1]
        seen.append(workshop.version)

    services.move_phase(cast["facilitator"], workshop, 1)
    changed()
    services.move_phase(cast["facilitator"], workshop, 1)
    changed()
    a = card(cast, workshop, text="A")
    changed()
    b = card(cast, workshop, text="B")
    changed()
    services.edit_card(cast["ann"], a, "A2", None, None, owns=True)
    changed()
    c = card(cast, workshop, text="C")
    changed()
    services.withdraw_card(cast["ann"], c, owns=True)
    changed()
    services.move_phase(cast["facilitator"], workshop, 1)
    changed()
    services.merge_cards(cast["facilitator"], a, [b])
    changed()
    services.move_phase(cast["facilitator"], workshop, 1)
    changed()
    services.vote(cast["bob"], a)
    changed()
    services.unvote(cast["bob"], a)
    changed()
    services.vote(cast["bob"], a)
    changed()
    services.move_phase(cast["facilitator"], workshop, 1)
    changed()
    services.turn_into_project(cast["facilitator"], a, cast["finance"], [cast["sales"]], "P")
    changed()
    services.save_workshop(cast["facilitator"], workshop, "Renamed", HELD_ON, None,
                           [cast["finance"], cast["sales"]], [cast["ann"], cast["bob"], cast["cat"]], 3,
                           False, False)
    changed()
    before = workshop.version
    services.ranking(workshop), services.voting_progress(workshop), services.minutes(workshop)
    services.review_board(workshop), services.card_votes(a), services.my_dots(cast["bob"], workshop)
    services.minutes_markdown(services.minutes(workshop))
    db.session.commit()
    assert workshop.version == before
    with pytest.raises(WorkshopError):
        services.vote(cast["cat"], a)  # refused (wrong phase): no change, no bump
    db.session.rollback()
    assert workshop.version == before


# Demo --------------------------------------------------------------------------------------------

def test_demo_workshops(app):
    from app.demo import DEMO, load_demo, load_workshops

    seed_root_causes()
    load_demo()  # the company, rounds, metrics, projects and these workshops
    db.session.commit()
    assert count(Workshop) == 2
    assert load_workshops() == 0  # matched by title: loading again adds nothing
    finished, scheduled = (db.session.scalar(sa.select(Workshop).where(Workshop.title == demo["title"]))
                           for demo in (DEMO["workshops"]["finished"], DEMO["workshops"]["scheduled"]))
    db.session.expire_all()  # read back what was stored
    assert (finished.phase, finished.round.name, scheduled.phase,
            scheduled.round.name) == (
        "wrapup", "Spring 2026", "scheduled", "Autumn 2026")
    assert 8 <= len(finished.participants) <= 10 and len(finished.departments) >= 3
    assert all(c.author_id is None for c in finished.cards)  # its cards are anonymous
    minutes = services.minutes(finished)
    assert any(g.sources for g in minutes.groups) and minutes.voted == len(finished.participants)
    assert [d.project.status for d in minutes.decisions] == ["proposed", "proposed"]
    assert minutes.groups[0].project is not None  # the top card became a project
    assert all(c.dimension and c.root_cause for c in finished.cards)
    assert services.review_board(finished).weak_spots
