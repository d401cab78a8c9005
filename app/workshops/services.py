"""The rules of workshops: set-up, phases moved by the facilitator, cards (anonymous ones store no author),
merging, dot voting with a budget held in the database, projects from the top cards, and the minutes."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.audit.services import record
from app.auth.models import User
from app.complaints.models import ComplaintCategory
from app.complaints.services import complaints_fed, unhappy_clients
from app.database import flush_once, flush_unless_taken, lock
from app.dimensions.models import Dimension
from app.extensions import db
from app.org.models import Department
from app.projects import services as projects
from app.projects.models import Project, RootCause
from app.ratings.models import Round
from app.reports.gate import OVERALL
from app.reports.results import DimensionRow, History, Pair, scorecard, service_matrix
from app.themes import services as themes
from app.themes.models import Theme
from app.web.numbers import number
from app.workshops import policies
from app.workshops.models import PHASES, Card, ComplaintCard, Participant, RejectedSuggestion, Vote, Workshop

MIN_BUDGET, MAX_BUDGET = 1, 20
MAX_CARD_TEXT = 500
MAX_TITLE = 120
PROJECT_TITLE = 160


class WorkshopError(Exception):
    """A rule of workshops was broken; the message is shown to the user."""


def phase_label(phase: str) -> str:
    return {"scheduled": _("Scheduled"), "review": _("Review"), "collect": _("Collect"), "group": _("Group"),
            "vote": _("Vote"), "projects": _("Turn into projects"), "wrapup": _("Wrap-up")}.get(phase, phase)


def bump(workshop: Workshop) -> None:
    """Count one more visible change, in the database itself, so parallel changes each count."""
    db.session.flush()
    db.session.execute(sa.update(Workshop).where(Workshop.id == workshop.id)
                       .values(version=Workshop.version + 1).execution_options(synchronize_session=False))
    db.session.expire(workshop, ["version"])


def results_withheld(round_: Round | None) -> str | None:
    """Why a board reads nothing of its round's results (None when it reads them): it works from no round,
    or the round's results are not published yet. The review and the comments' themes say so."""
    if round_ is None:
        return _("This workshop works from no rating round.")
    if round_.state != "published":
        return _("The results of %(round)s are not published yet.", round=round_.name)
    return None


def _require_phase(workshop: Workshop, phase: str, message: str) -> None:
    if workshop.phase != phase:
        raise WorkshopError(message)


def _hold(workshop: Workshop, *cards: Card) -> None:
    """Lock the workshop and read these cards afresh before any check: every change of a board waits for the
    one before it, so a double-click's second request sees what the first did."""
    lock(workshop)
    for card in cards:
        if db.session.scalar(sa.select(Card.id).where(Card.id == card.id)) is None:
            raise WorkshopError(_("That card is no longer on the board."))
        db.session.refresh(card)


def _require_runner(actor: User, workshop: Workshop | None) -> None:
    if not policies.can_run(actor, workshop):
        raise WorkshopError(_("Only a facilitator can do this."))


# Set-up ------------------------------------------------------------------------------------------

def save_workshop(actor: User, workshop: Workshop | None, title: str, held_on: date, round_: Round | None,
                  departments: list[Department], participants: list[User], vote_budget: int,
                  anonymous_cards: bool, balanced_votes: bool, form_token: str | None = None) -> Workshop:
    """Create or edit a workshop. Budget, departments and anonymity are fixed once it has started. A
    workshop its form (`form_token`) already made is not made again: MadeAlready names it."""
    _require_runner(actor, workshop)
    if workshop is not None:  # before its participants' rows, as a vote locks them
        _hold(workshop)
    title = (title or "").strip()
    if not title:
        raise WorkshopError(_("Give the workshop a title."))
    if len(title) > MAX_TITLE:
        raise WorkshopError(_("The title is too long (at most %(n)d characters).", n=MAX_TITLE))
    if held_on is None:
        raise WorkshopError(_("Choose the date of the workshop."))
    if not isinstance(vote_budget, int) or not MIN_BUDGET <= vote_budget <= MAX_BUDGET:
        raise WorkshopError(_("The vote budget must be between %(low)d and %(high)d dots per person.",
                              low=MIN_BUDGET, high=MAX_BUDGET))
    departments = list({d.id: d for d in departments}.values())
    if len(departments) < 2:
        raise WorkshopError(_("A workshop brings departments together: choose at least two."))
    department_ids = {d.id for d in departments}
    people = list({u.id: u for u in participants}.values())
    for person in people:
        if not person.active:
            raise WorkshopError(_("%(name)s is deactivated and cannot take part.", name=person.name))
        if person.department_id not in department_ids:
            raise WorkshopError(_("%(name)s is not in a department taking part.", name=person.name))
    started = workshop is not None and workshop.phase != "scheduled"
    if started:
        if vote_budget != workshop.vote_budget:
            raise WorkshopError(_("The vote budget is fixed once the workshop has started."))
        if department_ids != {d.id for d in workshop.departments}:
            raise WorkshopError(_("The departments taking part are fixed once the workshop has started."))
        if bool(anonymous_cards) != workshop.anonymous_cards:
            raise WorkshopError(_("Whether cards are anonymous is fixed once the workshop has started."))
    created = workshop is None
    if created:
        workshop = Workshop(created_by_id=actor.id, phase="scheduled", version=0, form_token=form_token)
        db.session.add(workshop)
    workshop.title, workshop.held_on = title, held_on
    workshop.round = round_
    workshop.vote_budget = vote_budget
    workshop.anonymous_cards, workshop.balanced_votes = bool(anonymous_cards), bool(balanced_votes)
    workshop.departments = departments
    _set_participants(workshop, people, started)
    if created:
        flush_once(workshop)
    else:
        db.session.flush()
    bump(workshop)
    record(actor, "workshop.create" if created else "workshop.edit", workshop)
    return workshop


def _set_participants(workshop: Workshop, people: list[User], started: bool) -> None:
    wanted = {u.id: u for u in people}
    for participant in list(workshop.participants):
        if participant.user_id in wanted:
            participant.department_id = wanted.pop(participant.user_id).department_id
            continue
        if started and participant.votes_left != workshop.vote_budget:
            raise WorkshopError(_("%(name)s has already voted and stays a participant.",
                                  name=participant.user.name))
        workshop.participants.remove(participant)
    for person in wanted.values():
        workshop.participants.append(Participant(user_id=person.id, department_id=person.department_id,
                                                 votes_left=workshop.vote_budget))
    if not started:  # the budget may still change: everyone starts with the whole of it
        for participant in workshop.participants:
            participant.votes_left = workshop.vote_budget


# Phases ------------------------------------------------------------------------------------------

def move_phase(actor: User, workshop: Workshop, step: int, moving_from: str | None = None) -> str:
    """One phase forward (+1) or back (-1) from `moving_from` (the phase the facilitator's page showed; None:
    from wherever it is); every participant's screen follows the new version."""
    _require_runner(actor, workshop)
    if step not in (1, -1):
        raise WorkshopError(_("Move one phase forward or back."))
    _hold(workshop)
    if moving_from is not None and workshop.phase != moving_from:  # a second click, or another tab
        raise WorkshopError(_("The workshop has already moved on: it is in the %(phase)s phase.",
                              phase=phase_label(workshop.phase)))
    index = PHASES.index(workshop.phase) + step
    if index < 0:
        raise WorkshopError(_("The workshop has not started: there is no phase before this one."))
    if index >= len(PHASES):
        raise WorkshopError(_("The wrap-up is the last phase."))
    before, workshop.phase = workshop.phase, PHASES[index]
    bump(workshop)
    record(actor, "workshop.phase", workshop, f"{before} -> {workshop.phase}")
    return workshop.phase


# Cards -------------------------------------------------------------------------------------------

def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise WorkshopError(_("Write the problem on the card."))
    if len(text) > MAX_CARD_TEXT:
        raise WorkshopError(_("A card holds at most %(n)d characters.", n=MAX_CARD_TEXT))
    return text


def add_card(actor: User, workshop: Workshop, text: str, dimension: Dimension | None,
             root_cause: RootCause | None, anonymous: bool = False) -> Card:
    """A problem card; an anonymous one (every card of an anonymous workshop, or one its writer chose to post
    without their name) keeps no trace of who wrote it."""
    _hold(workshop)
    _require_phase(workshop, "collect", _("Cards are added in the collect phase."))
    if not policies.can_take_part(actor, workshop):
        raise WorkshopError(_("Only participants can add cards."))
    anonymous = workshop.anonymous_cards or bool(anonymous)
    text, author_id = _clean_text(text), None if anonymous else actor.id
    # The same card again from its writer: a double-click. (Anonymous cards have no writer to tell apart:
    # two people may post the same words.)
    if author_id is not None and db.session.scalar(sa.select(Card.id).where(
            Card.workshop_id == workshop.id, Card.author_id == author_id, Card.text == text)):
        raise WorkshopError(_("This card is already on the board."))
    card = Card(workshop=workshop, text=text, dimension=dimension, root_cause=root_cause,
                anonymous=anonymous, author_id=author_id)
    db.session.add(card)
    db.session.flush()
    bump(workshop)
    return card


def _owns(actor: User, card: Card, owns: bool) -> bool:
    if card.author_id is not None:
        return card.author_id == actor.id
    # an anonymous card: only the person's own signed session knows it is theirs
    return bool(owns) and card.anonymous


def edit_card(actor: User, card: Card, text: str, dimension: Dimension | None,
              root_cause: RootCause | None, owns: bool) -> Card:
    workshop = card.workshop
    _hold(workshop, card)
    _require_phase(workshop, "collect", _("Cards can be changed only in the collect phase."))
    if not _owns(actor, card, owns):
        raise WorkshopError(_("You can change only your own cards."))
    card.text, card.dimension, card.root_cause = _clean_text(text), dimension, root_cause
    bump(workshop)
    return card


def withdraw_card(actor: User, card: Card, owns: bool) -> None:
    workshop = card.workshop
    _hold(workshop, card)
    _require_phase(workshop, "collect", _("Cards can be withdrawn only in the collect phase."))
    if not _owns(actor, card, owns):
        raise WorkshopError(_("You can withdraw only your own cards."))
    for source in list(card.sources):  # (after going back from grouping) its sources stand alone again
        source.group = None
    _give_back_dots(workshop, [card.id])
    workshop.cards.remove(card)
    db.session.delete(card)
    bump(workshop)


def _add_dots(workshop: Workshop, user_id: int, n: int, *where) -> int:
    """Change a participant's budget in the database itself, so parallel clicks each count; rows changed."""
    return db.session.execute(
        sa.update(Participant)
        .where(Participant.workshop_id == workshop.id, Participant.user_id == user_id, *where)
        .values(votes_left=Participant.votes_left + n)
        .execution_options(synchronize_session=False)).rowcount


def _give_back_dots(workshop: Workshop, card_ids: list[int]) -> None:
    """Dots on cards that disappear (after going back from voting) return to their owners' budgets."""
    db.session.flush()
    for user_id, n in db.session.execute(sa.select(Vote.user_id, sa.func.count()).where(
            Vote.card_id.in_(card_ids)).group_by(Vote.user_id)).all():
        _add_dots(workshop, user_id, n)
    db.session.execute(sa.delete(Vote).where(Vote.card_id.in_(card_ids))
                       .execution_options(synchronize_session=False))
    for participant in workshop.participants:
        db.session.expire(participant, ["votes_left"])


def merge_cards(actor: User, group: Card, cards: list[Card]) -> Card:
    """The cards (and their own sources) become sources of `group`. Dots stay on the card they were cast
    on and count for its group."""
    workshop = group.workshop
    cards = list({c.id: c for c in cards}.values())
    if not cards:
        raise WorkshopError(_("Choose the cards to merge."))
    _hold(workshop, group, *cards)
    _require_phase(workshop, "group", _("Cards are merged in the group phase."))
    _require_runner(actor, workshop)
    if group.merged_into_id is not None:
        raise WorkshopError(_("That card is already merged into another; merge into its group instead."))
    for card in cards:
        if card.workshop_id != group.workshop_id:
            raise WorkshopError(_("Only cards of the same workshop can be merged."))
        if card.id == group.id:
            raise WorkshopError(_("A card cannot be merged into itself."))
        if card.merged_into_id not in (None, group.id):
            raise WorkshopError(_("That card is already merged into another group card."))
    cards = [c for c in cards if c.merged_into_id != group.id]
    if not cards:  # the same merge sent twice: the first one did it
        raise WorkshopError(_("Those cards are already merged into that group card."))
    for card in cards:
        for source in list(card.sources):
            source.group = group
        card.group = group
    db.session.flush()
    bump(workshop)
    record(actor, "workshop.merge", workshop, f"{group.id} <- {', '.join(str(c.id) for c in cards)}")
    return group


# What the board and the minutes show of a card: its dimension, root cause, author, merged cards and
# project (with what the minutes say of it).
CARD_DETAILS = (selectinload(Card.sources), joinedload(Card.author), joinedload(Card.dimension),
                joinedload(Card.root_cause), joinedload(Card.project).options(*projects.LISTED))


def load_cards(workshop: Workshop) -> None:
    """The workshop's cards with what is shown of each, in a fixed number of queries however many there are;
    the query flushes first, so the collection it sets holds every change made so far."""
    cards = db.session.scalars(sa.select(Card).where(Card.workshop_id == workshop.id).order_by(Card.id)
                               .options(*CARD_DETAILS)).all()
    set_committed_value(workshop, "cards", cards)


def group_cards(workshop: Workshop) -> list[Card]:
    """The cards that are not merged into another: the ones shown, voted on and ranked."""
    return [c for c in workshop.cards if c.merged_into_id is None]


def card_votes(card: Card) -> int:
    """The dots that count for a card: its own and its sources'."""
    ids = [card.id, *(s.id for s in card.sources)]
    return db.session.scalar(sa.select(sa.func.count()).select_from(Vote).where(Vote.card_id.in_(ids)))


# Votes -------------------------------------------------------------------------------------------

def _voter(actor: User, card: Card) -> Participant:
    _hold(card.workshop, card)
    _require_phase(card.workshop, "vote", _("Votes are cast in the vote phase."))
    if card.merged_into_id is not None:
        raise WorkshopError(_("That card is merged into another: vote on its group."))
    participant = db.session.get(Participant, (card.workshop_id, actor.id))
    if participant is None:
        raise WorkshopError(_("Only participants vote; a facilitator who is not one abstains."))
    return participant


def vote(actor: User, card: Card) -> Vote:
    """Put one dot on a card. The budget is held by one conditional UPDATE, so parallel clicks cannot
    spend more dots than the person has."""
    participant = _voter(actor, card)
    if _add_dots(card.workshop, actor.id, -1, Participant.votes_left > 0) != 1:
        raise WorkshopError(_("You have no dots left: take one back to move it."))
    dot = Vote(card_id=card.id, user_id=actor.id)
    db.session.add(dot)
    bump(card.workshop)
    db.session.expire(participant, ["votes_left"])
    return dot


def unvote(actor: User, card: Card) -> None:
    """Take back one of the actor's dots that count for this card (on it, else on one of its sources)."""
    participant = _voter(actor, card)
    db.session.flush()
    ids = [card.id, *(s.id for s in card.sources)]
    mine = (sa.select(Vote.id).where(Vote.user_id == actor.id, Vote.card_id.in_(ids))
            .order_by((Vote.card_id != card.id), Vote.id.desc()).limit(1).scalar_subquery())
    taken = db.session.execute(sa.delete(Vote).where(Vote.id == mine)
                               .execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        raise WorkshopError(_("You have no dot on this card."))
    _add_dots(card.workshop, actor.id, 1)
    bump(card.workshop)
    db.session.expire(participant, ["votes_left"])


def my_dots(actor: User, workshop: Workshop) -> dict[int, int]:
    """The actor's own dots per group card (only they see this)."""
    rows = db.session.execute(sa.select(Card.id, Card.merged_into_id).join(Vote, Vote.card_id == Card.id)
                              .where(Card.workshop_id == workshop.id, Vote.user_id == actor.id)).all()
    return dict(Counter(merged or card for card, merged in rows))


def voting_progress(workshop: Workshop) -> tuple[int, int]:
    """(participants who have used at least one dot, participants) — never who voted for what."""
    voted = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Vote.user_id)))
        .join(Card, Card.id == Vote.card_id)
        .join(Participant, sa.and_(Participant.workshop_id == Card.workshop_id,
                                   Participant.user_id == Vote.user_id))
        .where(Card.workshop_id == workshop.id))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Participant)
                              .where(Participant.workshop_id == workshop.id))
    return voted or 0, total or 0


@dataclass(frozen=True)
class RankedCard:
    card: Card
    dots: int
    score: float  # = dots, or the dots weighted per department when votes are balanced


def _weights(workshop: Workshop) -> tuple[dict[int, int], dict[int, Fraction]]:
    """Each voter's department, and per department the weight of one dot: mean participants per
    department / the department's participants, so every department has the same total weight."""
    department_of = {p.user_id: p.department_id for p in workshop.participants}
    sizes = Counter(department_of.values())
    total, departments = sum(sizes.values()), len(sizes)
    return department_of, {d: Fraction(total, departments * n) for d, n in sizes.items()}


def ranking(workshop: Workshop) -> list[RankedCard]:
    """Group cards by score, highest first; ties by card id."""
    groups = group_cards(workshop)
    group_of = {c.id: c.merged_into_id or c.id for c in workshop.cards}
    department_of, weight = _weights(workshop)
    dots: dict[int, int] = defaultdict(int)
    score: dict[int, Fraction] = defaultdict(Fraction)
    for card_id, user_id in db.session.execute(
            sa.select(Vote.card_id, Vote.user_id).join(Card, Card.id == Vote.card_id)
            .where(Card.workshop_id == workshop.id)):
        group = group_of.get(card_id, card_id)
        dots[group] += 1
        score[group] += weight.get(department_of.get(user_id), Fraction(1)) if workshop.balanced_votes \
            else 1
    ranked = sorted(groups, key=lambda c: (-score[c.id], c.id))
    return [RankedCard(c, dots[c.id], float(score[c.id])) for c in ranked]


# Projects ----------------------------------------------------------------------------------------

def turn_into_project(actor: User, card: Card, owner_department: Department, departments: list[Department],
                      title: str) -> Project:
    """A proposed project from a (group) card: its text, dimension and root cause, linked back to the
    card. It still needs a metric, baseline and target before it can start."""
    workshop = card.workshop
    _hold(workshop, card)
    _require_phase(workshop, "projects", _("Cards become projects in the projects phase."))
    _require_runner(actor, workshop)
    if card.merged_into_id is not None:
        raise WorkshopError(_("That card is merged into another: turn its group into a project."))
    if card.project_id is not None:
        raise WorkshopError(_("This card has already become a project."))
    title = (title or "").strip() or card.text[:PROJECT_TITLE]
    if len(title) > PROJECT_TITLE:
        raise WorkshopError(_("A project title has at most %(n)d characters.", n=PROJECT_TITLE))
    round_ = workshop.round
    spot = None
    if (round_ is not None and round_.state == "published" and card.dimension is not None
            and owner_department in round_.departments):
        spot = projects.weak_spot(round_, owner_department, card.dimension)
    problem = "\n".join([card.text, *(f"- {s.text}" for s in card.sources)])
    # No evidence text: the project links back to the minutes (its dots), and its page reads the round's
    # figures for each reader through the gate; stored text would show them to everyone.
    try:
        project = projects.save_project(actor, None, projects.ProjectData(
            title=title, owner_department=owner_department, departments=list(departments),
            problem=problem, root_cause=card.root_cause, source=spot))
    except projects.ProjectError as error:
        raise WorkshopError(str(error)) from error
    if spot is None and card.dimension is not None:
        project.source_dimension = card.dimension
    card.project = project
    db.session.flush()
    bump(workshop)
    record(actor, "workshop.project", workshop, project.title)
    return project


# The review board --------------------------------------------------------------------------------

@dataclass
class DepartmentReview:
    department: Department
    took_part: bool  # in the round
    weakest: list[DimensionRow] = field(default_factory=list)
    blind_spots: list[DimensionRow] = field(default_factory=list)


@dataclass
class ReviewBoard:
    round: Round | None
    reason: str | None  # why the board is empty, when it is
    departments: list[DepartmentReview] = field(default_factory=list)
    tensions: list[Pair] = field(default_factory=list)

    @property
    def weak_spots(self) -> list[tuple[Department, DimensionRow]]:
        return [(r.department, row) for r in self.departments for row in r.weakest]

    @property
    def blind_spots(self) -> list[tuple[Department, DimensionRow]]:
        return [(r.department, row) for r in self.departments for row in r.blind_spots]


def review_board(workshop: Workshop) -> ReviewBoard:
    """The round's weak spots, blind spots and tensions between the departments taking part, read only
    through the publishing gate: a figure over fewer than k raters is not there."""
    round_ = workshop.round
    if reason := results_withheld(round_):
        return ReviewBoard(round_, reason)
    board = ReviewBoard(round_, None)
    taking_part = {d.id for d in workshop.departments}
    history = History(round_)  # read once for all the departments' scorecards
    for department in workshop.departments:
        if not history.took_part(round_, department):
            board.departments.append(DepartmentReview(department, False))
            continue
        card = scorecard(round_, department, with_comments=False, history=history)
        board.departments.append(DepartmentReview(
            department, True, card.weakest, [row for row in card.rows if row.flag == "blind_spot"]))
    board.tensions = [p for p in service_matrix(round_, OVERALL).tensions
                      if p.a.id in taking_part and p.b.id in taking_part]
    return board


# Complaints into the review -----------------------------------------------------------------------

@dataclass(frozen=True)
class ComplaintGroup:
    """The complaints of one category that the taking-part departments' service feeds, and its card on the
    board once loaded."""

    category: ComplaintCategory
    count: int
    card: Card | None

    @property
    def unhappy_clients(self) -> tuple[int, int]:
        return unhappy_clients(self.count)


def review_complaints(workshop: Workshop) -> list[ComplaintGroup] | None:
    """The complaints received in the round's dates that lead back to any taking-part department (each
    complaint once, whichever of them it feeds), by category, most first; None without a round."""
    round_ = workshop.round
    if round_ is None:
        return None
    counts: Counter = Counter()
    categories = {}
    for f in complaints_fed(*workshop.departments, start=round_.opens_on, end=round_.closes_on):
        counts[f.category.id] += f.count
        categories[f.category.id] = f.category
    cards = dict(db.session.execute(
        sa.select(ComplaintCard.category_id, Card).join(Card, Card.id == ComplaintCard.card_id)
        .where(ComplaintCard.workshop_id == workshop.id)).tuples().all())
    return sorted((ComplaintGroup(categories[c], n, cards.get(c)) for c, n in counts.items()),
                  key=lambda g: (-g.count, g.category.name.casefold()))


def _complaint_card_text(group: ComplaintGroup, round_: Round) -> str:
    low, high = group.unhappy_clients
    return ngettext(
        "%(num)d complaint about “%(category)s”, received from %(start)s to %(end)s. Only 3–7 %% of unhappy "
        "clients complain: roughly %(low)d to %(high)d unhappy clients.",
        "%(num)d complaints about “%(category)s”, received from %(start)s to %(end)s. Only 3–7 %% of unhappy "
        "clients complain: roughly %(low)d to %(high)d unhappy clients.",
        group.count, category=group.category.name, start=round_.opens_on.isoformat(),
        end=round_.closes_on.isoformat(), low=low, high=high)[:MAX_CARD_TEXT]


def load_complaint_cards(actor: User, workshop: Workshop) -> int:
    """A card for each category of the review's complaints that has none yet, with the category's dimension
    and root cause; returns how many were added. Twice, or twice at once, adds them once: the second waits
    for the workshop's lock and finds them, and the key (workshop, category) holds even without it."""
    _require_runner(actor, workshop)
    _hold(workshop)
    _require_phase(workshop, "review", _("Complaints are loaded as cards in the review phase."))
    round_ = workshop.round
    if round_ is None:
        raise WorkshopError(_("This workshop works from no rating round."))
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    anonymous = workshop.anonymous_cards
    added = 0
    for group in review_complaints(workshop):
        if group.card is not None:
            continue
        card = Card(workshop=workshop, text=_complaint_card_text(group, round_),
                    dimension=group.category.dimension, root_cause=group.category.root_cause,
                    anonymous=anonymous, author_id=None if anonymous else actor.id)
        db.session.add(card)
        db.session.flush()
        kept = db.session.execute(insert(ComplaintCard).values(
            workshop_id=workshop.id, category_id=group.category.id, card_id=card.id)
            .on_conflict_do_nothing().returning(ComplaintCard.card_id)).first()
        if kept is None:  # loaded a moment ago by another request after all
            db.session.delete(card)
        else:
            added += 1
    db.session.flush()
    if added:
        bump(workshop)
        record(actor, "workshop.complaint_cards", workshop, f"{added} added")
    return added


@dataclass(frozen=True)
class OpenProject:
    """A project still under way of the departments taking part, as the review phase lists it."""
    project: Project
    status: str  # in words
    verdict: str | None  # "did it move?" as its page says it; None before it started
    overdue: int  # tasks overdue


def open_projects(workshop: Workshop, today: date) -> list[OpenProject]:
    """The open projects of the departments taking part: what they already work on, before new cards."""
    found = projects.open_projects_of(workshop.departments)
    overdue = projects.overdue_tasks([p.id for p in found], today)
    moved = projects.progress_of(found)
    return [OpenProject(p, projects.status_label(p.status),
                        moved[p.id].verdict if p.id in moved else None, overdue.get(p.id, 0)) for p in found]


# Themes: cards from what comments talk about, and grouping suggestions ------------------------------------

@dataclass(frozen=True)
class ThemeSeed:
    """A theme of a taking-part department's released comments, talked about by k or more of them."""
    department: Department
    subject: themes.Subject
    count: int

    @property
    def seed(self) -> str:
        return f"{self.department.id}:{self.subject.theme.id}"


def theme_seeds(workshop: Workshop) -> list[ThemeSeed]:
    """What each taking-part department's comments of the workshop's published round talk about (none
    while `results_withheld`)."""
    round_ = workshop.round
    if results_withheld(round_):
        return []
    found = []
    for department in workshop.departments:
        counts = themes.theme_counts(round_, department)
        found += [ThemeSeed(department, c.subject, c.count) for c in (counts.shown if counts else [])]
    return found


def seeded(workshop: Workshop) -> set[str]:
    """The seeds of the cards already made from themes."""
    return set(db.session.scalars(sa.select(Card.seed).where(Card.workshop_id == workshop.id,
                                                             Card.seed.is_not(None))))


def card_from_theme(actor: User, workshop: Workshop, department: Department | None,
                    theme_id: int) -> tuple[Card, bool]:
    """One card from a theme of a department's comments ("Finance — Reliability: 7 comments"), tagged with
    that dimension or root cause, and whether it is new: the same theme again, or twice at once, gives back
    the one card."""
    _require_runner(actor, workshop)
    _hold(workshop)
    if workshop.phase not in ("review", "collect"):
        raise WorkshopError(_("Cards are made from themes in the review and collect phases."))
    seed = next((s for s in theme_seeds(workshop) if department is not None
                 and s.department.id == department.id and s.subject.theme.id == theme_id), None)
    if seed is None:
        raise WorkshopError(_("That theme is not among what the departments' comments talk about."))
    made = db.session.scalar(sa.select(Card).where(Card.workshop_id == workshop.id, Card.seed == seed.seed))
    if made is not None:
        return made, False
    subject = seed.subject
    card = Card(workshop=workshop, seed=seed.seed, author_id=actor.id, text=ngettext(
        "%(department)s — %(theme)s: %(num)d comment", "%(department)s — %(theme)s: %(num)d comments",
        seed.count, department=department.name, theme=subject.name),
        dimension=subject.item if subject.kind == "dimension" else None,
        root_cause=subject.item if subject.kind == "root_cause" else None)
    db.session.add(card)
    flush_unless_taken(WorkshopError(_("This card is already on the board.")))
    bump(workshop)
    record(actor, "workshop.card_from_theme", workshop, card.text)
    return card, True


@dataclass(frozen=True)
class Suggestion:
    """Cards of the board that talk about one theme: merge them?"""
    subject: themes.Subject
    cards: list[Card]


def suggestions(workshop: Workshop) -> list[Suggestion]:
    """In the group phase, each theme two or more of the board's (group) cards share, by the keywords of
    their text or the dimension and root cause their writers chose, unless the facilitator rejected it;
    the biggest first."""
    if workshop.phase != "group":
        return []
    by_id = themes.subjects_by_theme_id()
    keywords = themes.model(by_id)
    theme_of_item = {(s.kind, s.item.id): t for t, s in by_id.items()}
    rejected = set(db.session.scalars(sa.select(RejectedSuggestion.theme_id)
                                      .where(RejectedSuggestion.workshop_id == workshop.id)))
    cards_of: dict[int, list[Card]] = defaultdict(list)
    for card in group_cards(workshop):
        found = set(keywords.themes_of(" ".join([card.text, *(s.text for s in card.sources)])))
        found |= {theme_of_item.get(("dimension", card.dimension_id)),
                  theme_of_item.get(("root_cause", card.root_cause_id))} - {None}
        for theme_id in found - rejected:
            cards_of[theme_id].append(card)
    return sorted((Suggestion(by_id[t], cards) for t, cards in cards_of.items() if len(cards) > 1),
                  key=lambda s: (-len(s.cards), s.subject.kind != "dimension", s.subject.item.position))


def accept_suggestion(actor: User, workshop: Workshop, theme_id: int, card_ids: list[int]) -> Card:
    """Merge the suggestion's cards into its first, as the facilitator saw them (`card_ids`)."""
    _require_runner(actor, workshop)
    _hold(workshop)
    suggestion = next((s for s in suggestions(workshop) if s.subject.theme.id == theme_id), None)
    if suggestion is None or sorted(c.id for c in suggestion.cards) != sorted(set(card_ids)):
        raise WorkshopError(_("That suggestion is no longer on the board: look at the board again."))
    group, *cards = suggestion.cards
    return merge_cards(actor, group, cards)


def reject_suggestion(actor: User, workshop: Workshop, theme_id: int) -> None:
    """The theme is suggested no more on this board (rejecting it twice is the same as once)."""
    _require_runner(actor, workshop)
    _hold(workshop)
    _require_phase(workshop, "group", _("Suggestions are made in the group phase."))
    if db.session.get(Theme, theme_id) is None:
        raise WorkshopError(_("There is no such theme."))
    if db.session.get(RejectedSuggestion, (workshop.id, theme_id)) is None:
        db.session.add(RejectedSuggestion(workshop_id=workshop.id, theme_id=theme_id))
        flush_unless_taken(WorkshopError(_("That suggestion was rejected already.")))
        bump(workshop)
        record(actor, "workshop.suggestion_reject", workshop, str(theme_id))


# Minutes -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MinutesCard:
    id: int
    text: str
    dimension: str
    root_cause: str
    author: str  # a name, or "anonymous"


@dataclass(frozen=True)
class MinutesGroup:
    card: MinutesCard
    sources: list[MinutesCard]
    dots: int
    score: float
    project: Project | None


@dataclass
class Minutes:
    workshop: Workshop
    round: Round | None
    participants: list[tuple[str, str]]  # (name, department)
    voted: int
    groups: list[MinutesGroup]  # ranked, highest first
    decisions: list[MinutesGroup]  # the groups that became projects
    card_split: tuple[list[projects.SplitRow], list[projects.SplitRow]]
    project_split: tuple[list[projects.SplitRow], list[projects.SplitRow]]

    @property
    def cards(self) -> int:
        return sum(1 + len(g.sources) for g in self.groups)


def _minutes_card(card: Card) -> MinutesCard:
    if card.author is not None:
        author = card.author.name
    else:
        author = _("anonymous") if card.anonymous else _("unknown")
    return MinutesCard(card.id, card.text, card.dimension.name if card.dimension else "",
                       card.root_cause.name if card.root_cause else "", author)


def card_split(workshop: Workshop):
    """Every card (merged ones too) by root cause, beside the typical split from the source."""
    return projects.root_cause_split(Counter(card.root_cause_id for card in workshop.cards))


def minutes(workshop: Workshop) -> Minutes:
    load_cards(workshop)
    people = db.session.scalars(sa.select(Participant).where(Participant.workshop_id == workshop.id)
                                .options(joinedload(Participant.user), joinedload(Participant.department)))
    set_committed_value(workshop, "participants", list(people))
    ranked = ranking(workshop)
    groups = [MinutesGroup(_minutes_card(r.card), [_minutes_card(s) for s in r.card.sources], r.dots,
                           r.score, r.card.project) for r in ranked]
    decisions = [g for g in groups if g.project is not None]
    participants = sorted(((p.user.name, p.department.name) for p in workshop.participants),
                          key=lambda t: (t[1], t[0]))
    return Minutes(workshop, workshop.round, participants, voting_progress(workshop)[0], groups,
                   decisions, card_split(workshop), projects.root_cause_split(
                       Counter(d.project.root_cause_id for d in decisions)))


def _md(text: str) -> str:
    """Card text on one line, with Markdown's own characters taken literally."""
    text = " ".join(str(text).split())
    for char in "\\`*_[]<>#|":
        text = text.replace(char, "\\" + char)
    return text


def _split_lines(split) -> list[str]:
    by_category, groups = split
    lines = [f"- {_md(row.label)}: {row.count}" + (f" ({row.percent}%)" if row.percent is not None else "")
             for row in by_category]
    for row in groups:
        shown = f"{row.percent}%" if row.percent is not None else "—"
        lines.append("- " + _("%(label)s: %(shown)s (typical %(low)d–%(high)d%%)", label=_md(row.label),
                              shown=shown, low=row.typical[0], high=row.typical[1]))
    return lines


def minutes_markdown(m: Minutes) -> str:
    w = m.workshop
    lines = [f"# {_md(w.title)}", "",
             _("Held on %(date)s.", date=w.held_on.isoformat()),
             _("Round: %(round)s.", round=_md(m.round.name)) if m.round else _("No rating round."),
             _("Departments: %(departments)s.", departments=", ".join(_md(d.name) for d in w.departments)),
             _("Votes: %(budget)d dots per participant%(balanced)s; %(voted)d of %(total)d participants "
               "voted.", budget=w.vote_budget,
               balanced=_(", balanced per department") if w.balanced_votes else "", voted=m.voted,
               total=len(m.participants)),
             "", "## " + _("Participants"), ""]
    lines += [f"- {_md(name)} ({_md(department)})" for name, department in m.participants]
    lines += ["", "## " + _("Cards and votes"), "",
              _("Dots stay on the card they were cast on and count for its group."), ""]
    for i, g in enumerate(m.groups, start=1):
        tags = ", ".join(_md(t) for t in (g.card.dimension, g.card.root_cause) if t)
        score = " " + _("(score %(score)s)", score=number(g.score, "hundredths")) if w.balanced_votes else ""
        lines.append(f"{i}. **{_md(g.card.text)}** — " + ngettext("%(num)d dot", "%(num)d dots", g.dots)
                     + score + (f"; {tags}" if tags else "") + f"; {_md(g.card.author)}")
        lines += [f"    - {_md(s.text)} ({_md(s.author)})" for s in g.sources]
    lines += ["", "## " + _("Decisions: new projects"), ""]
    lines += [f"- {_md(d.project.title)} — " + _("owner %(owner)s, with %(others)s; from the card: %(card)s",
                                                   owner=_md(d.project.owner_department.name),
                                                   others=", ".join(_md(x.name) for x in d.project.departments
                                                                    if x.id != d.project.owner_department_id),
                                                   card=_md(d.card.text))
              for d in m.decisions] or ["- " + _("No projects were started.")]
    lines += ["", "## " + _("Root causes of the cards"), "", *_split_lines(m.card_split), ""]
    return "\n".join(lines)


# The minutes as CSV: one table a file (app.web.spreadsheet); the links on the minutes page are titled by
# the minutes' own section headings.
MINUTES_TABLES = {"summary": _l("Summary"), "participants": _l("Participants"),
                  "cards": _l("Cards and votes"), "decisions": _l("Decisions: new projects"),
                  "root_causes": _l("Root causes of the cards")}
HUNDREDTH = Decimal("0.01")


def minutes_tables(m: Minutes) -> dict[str, list[list]]:
    w = m.workshop
    cards = [[_("Rank"), _("Card"), _("Merged into rank"), _("Dimension"), _("Root cause"), _("Author"),
              _("Dots"), _("Score"), _("Project")]]
    for i, g in enumerate(m.groups, start=1):
        cards.append([i, g.card.text, None, g.card.dimension, g.card.root_cause, g.card.author, g.dots,
                      Decimal(repr(g.score)).quantize(HUNDREDTH, ROUND_HALF_UP),
                      g.project.title if g.project else ""])
        cards += [[None, s.text, i, s.dimension, s.root_cause, s.author, None, None, ""] for s in g.sources]
    by_category, groups = m.card_split
    return {
        "summary": [[_("Workshop"), _("Held on"), _("Round"), _("Departments"), _("Participants who voted"),
                     _("Participants")],
                    [w.title, w.held_on.isoformat(), m.round.name if m.round else "",
                     ", ".join(d.name for d in w.departments), m.voted, len(m.participants)]],
        "participants": [[_("Name"), _("Department")], *([n, d] for n, d in m.participants)],
        "cards": cards,
        "decisions": [[_("Project"), _("Owner"), _("Departments"), _("Status"), _("Card"), _("Dots")],
                      *([d.project.title, d.project.owner_department.name,
                         ", ".join(x.name for x in d.project.departments),
                         projects.status_label(d.project.status), d.card.text, d.dots] for d in m.decisions)],
        "root_causes": [[_("Root cause"), _("Cards"), _("Percent"), _("Typical")],
                        *([r.label, r.count, r.percent, ""] for r in by_category),
                        *([r.label, r.count, r.percent, f"{r.typical[0]}–{r.typical[1]}%"] for r in groups)],
    }
