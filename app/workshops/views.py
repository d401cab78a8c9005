"""Workshop pages: set-up, the live board that follows the facilitator's phase, minutes and exports."""
import base64
import hashlib
import hmac
from datetime import date
from functools import cache

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    make_response,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from app.auth.models import User
from app.complaints.services import unhappy_clients
from app.database import MadeAlready
from app.dimensions.models import Dimension
from app.dimensions.services import ordered as ordered_dimensions
from app.extensions import db
from app.org.models import Department
from app.org.services import department_names, people_by_department
from app.projects import charts as project_charts
from app.projects import services as projects
from app.projects.models import RootCause
from app.ratings.models import Round
from app.reports.charts import for_phones
from app.reports.results import format_mean
from app.web import spreadsheet
from app.web.authz import requires
from app.web.htmx import redirect_to, render, wants_fragment
from app.web.ids import id_arg
from app.web.policies import has_role
from app.workshops import policies, services
from app.workshops.forms import (
    ActionForm,
    CardForm,
    MergeForm,
    ProjectFromCardForm,
    StepForm,
    SuggestionForm,
    ThemeCardForm,
    WorkshopForm,
)
from app.workshops.models import PHASES, Card, Participant, Workshop
from app.workshops.poll import board_ticket

bp = Blueprint("workshops", __name__, url_prefix="/workshops")

# Marks of the anonymous cards this browser session wrote, kept only in the cookie. The cookie is signed, not
# encrypted: it holds keyed digests of the cards' ids, which tell whoever reads it nothing. At most
# OWN_CARDS_KEPT of them, so the cookie stays well under the 4 KB browsers keep.
OWN_CARDS = "own_cards"
OWN_CARDS_KEPT = 100
CARD_FORM = "card_form"  # bumped after each card added here, so the preserved add-card form starts afresh


@bp.context_processor
def helpers():
    return {"phase_label": services.phase_label, "phases": PHASES, "board_ticket": board_ticket,
            "unhappy_clients": unhappy_clients}


def _workshop(workshop_id: int, check) -> Workshop:
    workshop = g.workshop = db.get_or_404(Workshop, workshop_id)
    if not check(current_user, workshop):
        abort(403)
    return workshop


@bp.errorhandler(services.WorkshopError)
def refused(error: services.WorkshopError):
    """A rule of the board refused an action: the board (or a flash) says why."""
    return _done(g.workshop, str(error))


def _card(workshop: Workshop, card_id: int) -> Card:
    card = db.session.get(Card, card_id)
    if card is None and request.method == "POST":  # withdrawn a moment ago, as by a second click
        abort(_done(workshop, _("That card is no longer on the board.")))
    if card is None or card.workshop_id != workshop.id:
        abort(404)
    return card


@cache
def _own_cards_key(secret: str) -> bytes:
    return hashlib.sha256(b"trading-zone own cards\0" + secret.encode()).digest()


def _mark(card: Card) -> str:
    """The anonymous card's mark in its writer's cookie: 64 bits of an HMAC of its id."""
    key = _own_cards_key(str(current_app.config["SECRET_KEY"]))
    digest = hmac.new(key, str(card.id).encode(), hashlib.sha256).digest()[:8]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _owns(card: Card) -> bool:
    """A named card is its author's; an anonymous card is the writer's only as long as their session lasts."""
    if card.author_id is not None:
        return card.author_id == current_user.id
    return _mark(card) in session.get(OWN_CARDS, [])


# The list and set-up -----------------------------------------------------------------------------

@bp.get("")
@login_required
def index():
    query = (sa.select(Workshop).options(selectinload(Workshop.departments))
             .order_by(Workshop.held_on.desc(), Workshop.id.desc()))
    if not has_role(current_user, "facilitator"):
        query = query.where(Workshop.id.in_(
            sa.select(Participant.workshop_id).where(Participant.user_id == current_user.id)))
    return render("workshops/index.html", workshops=list(db.session.scalars(query)))


def _choices(model_list, none_label: str) -> list[SelectChoice]:
    return [SelectChoice(0, none_label)] + [SelectChoice(x.id, x.name) for x in model_list]


def _workshop_form(workshop: Workshop | None) -> WorkshopForm:
    form = WorkshopForm(obj=workshop)
    if workshop is not None and not form.is_submitted():
        form.round_id.data = workshop.round_id or 0
        form.department_ids.data = [d.id for d in workshop.departments]
        form.participant_ids.data = [p.user_id for p in workshop.participants]
    elif workshop is None and not form.is_submitted():  # from a service chain: its departments and round
        form.department_ids.data = request.args.getlist("department", type=int)
        form.round_id.data = id_arg("round") or 0
    rounds = list(db.session.scalars(sa.select(Round).where(Round.state.in_(("open", "published")))
                                     .order_by(Round.opens_on.desc(), Round.id.desc())))
    if workshop is not None and workshop.round_id and workshop.round_id not in {r.id for r in rounds}:
        rounds.append(db.session.get(Round, workshop.round_id))
    form.round_id.choices = _choices(rounds, _("— none —"))
    form.department_ids.choices = [SelectChoice(d.id, d.name) for d in department_names()]
    form.people_groups = people_by_department(with_department_only=True)
    form.participant_ids.choices = [SelectChoice(p.id, p.name) for _department, people in form.people_groups
                                    for p in people]
    return form


def _save(workshop: Workshop | None):
    form = _workshop_form(workshop)
    locked = workshop is not None and workshop.phase != "scheduled"
    if locked and form.is_submitted():  # disabled checkboxes are not sent: the departments stay
        form.department_ids.data = [d.id for d in workshop.departments]
    if form.validate_on_submit():
        try:
            saved = services.save_workshop(
                current_user, workshop, form.title.data.strip(), form.held_on.data,
                db.session.get(Round, form.round_id.data) if form.round_id.data else None,
                [d for i in form.department_ids.data if (d := db.session.get(Department, i))],
                [u for i in form.participant_ids.data if (u := db.session.get(User, i))],
                form.vote_budget.data, form.anonymous_cards.data, form.balanced_votes.data,
                form_token=form.form_token.data)
        except services.WorkshopError as error:
            db.session.rollback()
            form.title.errors.append(str(error))
        except MadeAlready as made:
            db.session.rollback()
            flash(_("This workshop was already created: here it is."), "info")
            return redirect_to(url_for("workshops.board", workshop_id=made.made_id))
        else:
            db.session.commit()
            flash(_("Workshop %(title)s saved.", title=saved.title), "success")
            return redirect_to(url_for("workshops.board", workshop_id=saved.id))
    return render("workshops/form.html", form=form, workshop=workshop, locked=locked,
                  http_status=422 if form.errors else 200)


@bp.route("/new", methods=["GET", "POST"])
@requires(policies.can_create_workshop)
def new():
    return _save(None)


@bp.route("/<int:workshop_id>/edit", methods=["GET", "POST"])
@login_required
def edit(workshop_id: int):
    return _save(_workshop(workshop_id, policies.can_run))


# The board ---------------------------------------------------------------------------------------

def card_form(formdata=None) -> CardForm:
    form = CardForm(formdata=formdata)  # None: a fresh form, even when answering a post
    form.dimension_id.choices = _choices(ordered_dimensions(include_retired=False), _("— choose —"))
    form.root_cause_id.choices = _choices(projects.root_causes(), _("— choose —"))
    return form


def _merge_form(workshop: Workshop, formdata=None) -> MergeForm:
    form = MergeForm(formdata=formdata)
    # A posted form may name a card merged since its page was drawn (a second click of the same merge): the
    # service then says what happened, rather than the form calling it not a valid choice.
    cards = services.group_cards(workshop) if formdata is None else workshop.cards
    form.group_id.choices = form.card_ids.choices = [SelectChoice(c.id, _card_label(c)) for c in cards]
    return form


def _card_label(card: Card) -> str:
    text = card.text if len(card.text) <= 80 else card.text[:79] + "…"
    return f"#{card.id} {text}"


def _project_form(workshop: Workshop, card: Card, formdata=None) -> ProjectFromCardForm:
    form = ProjectFromCardForm(formdata=formdata, prefix=f"card{card.id}")
    if formdata is None:
        form.title.data = card.text[:160]
    form.owner_department_id.choices = form.department_ids.choices = [
        SelectChoice(d.id, d.name) for d in workshop.departments]
    return form


def _board_context(workshop: Workshop, message: str | None = None, error: bool = False,
                   forms: dict | None = None) -> dict:
    forms = forms or {}
    phase = workshop.phase
    if phase not in ("scheduled", "review"):  # the phases that show the cards
        services.load_cards(workshop)
    runner = policies.can_run(current_user, workshop)
    context = {
        "w": workshop, "runner": runner,
        "participant": db.session.get(Participant, (workshop.id, current_user.id)),
        "can_take_part": policies.can_take_part(current_user, workshop),
        "groups": services.group_cards(workshop), "message": message, "error": error, "step_form": StepForm(),
        "action_form": ActionForm(), "fmt": format_mean,
        "previous_phase": PHASES[PHASES.index(phase) - 1] if phase != PHASES[0] else None,
        "next_phase": PHASES[PHASES.index(phase) + 1] if phase != PHASES[-1] else None,
    }
    if phase == "review":
        context["review"] = services.review_board(workshop)
        context["open_projects"] = services.open_projects(workshop, date.today())
        context["complaints"] = services.review_complaints(workshop)
    if phase in ("review", "collect") and runner:
        context["theme_seeds"] = services.theme_seeds(workshop)
        context["themes_withheld"] = services.results_withheld(workshop.round)
        context["seeded"] = services.seeded(workshop)
    if phase == "collect":
        context["card_form"] = forms.get("card") or card_form()
        context["card_form_key"] = session.get(CARD_FORM, 0)
        context["mine"] = [c for c in workshop.cards if _owns(c)]
        context["others"] = [c for c in workshop.cards if not _owns(c)]
    if phase == "group" and runner:
        context["merge_form"] = forms.get("merge") or _merge_form(workshop)
        context["suggestions"] = services.suggestions(workshop)
    if phase == "vote":
        context["my_dots"] = services.my_dots(current_user, workshop)
        context["progress"] = services.voting_progress(workshop)
    if phase in ("projects", "wrapup"):
        context["ranking"] = services.ranking(workshop)
        if phase == "projects" and runner:
            failed = forms.get("project")
            context["project_forms"] = {
                r.card.id: failed[1] if failed and failed[0] == r.card.id else _project_form(workshop, r.card)
                for r in context["ranking"] if r.card.project_id is None}
    if phase not in ("scheduled", "review"):
        context["split_categories"], context["split"] = services.card_split(workshop)
        context["split_chart"] = for_phones(project_charts.split_chart, "card-root-causes",
                                            _("Root causes of the cards beside the typical split"),
                                            context["split"])
    return context


def _board(workshop: Workshop, message: str | None = None, error: bool = False, forms: dict | None = None,
           http_status: int = 200):
    return render("workshops/board.html", "workshops/_board.html", http_status=http_status,
                  **_board_context(workshop, message, error, forms))


@bp.get("/<int:workshop_id>")
@login_required
def board(workshop_id: int):
    return _board(_workshop(workshop_id, policies.can_view))


@bp.get("/<int:workshop_id>/poll")
def poll(workshop_id: int):
    """204 when the caller's version is current, else the fresh board. (A poll with its ticket and the
    current version never comes here: app/workshops/poll.py answers it.)"""
    known = request.args.get("version", type=int)
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    query = sa.select(Workshop.version).where(Workshop.id == workshop_id)
    if not has_role(current_user, "facilitator"):
        query = query.join(Participant, sa.and_(Participant.workshop_id == Workshop.id,
                                                Participant.user_id == current_user.id))
    version = db.session.scalar(query)
    if version is None:  # not a participant (or no such workshop): the full check decides
        version = _workshop(workshop_id, policies.can_view).version
    if known == version:
        response = make_response("", 204)
    else:
        context = _board_context(_workshop(workshop_id, policies.can_view))
        response = make_response(render_template("workshops/_board.html", **context))
    response.headers["Cache-Control"] = "no-store"
    return response


def _done(workshop: Workshop, error: str | None = None, success: str | None = None,
          forms: dict | None = None):
    """After an action: the fresh board fragment for htmx, else a flash and back to the board (303)."""
    if error is not None:
        db.session.rollback()
    else:
        db.session.commit()
    if wants_fragment():
        return _board(workshop, error or success, error is not None, forms,
                      http_status=422 if error and forms else 200)
    if error is not None:
        flash(error, "error")
    elif success:
        flash(success, "success")
    return redirect_to(url_for("workshops.board", workshop_id=workshop.id))


@bp.post("/<int:workshop_id>/phase")
@login_required
def move(workshop_id: int):
    workshop = _workshop(workshop_id, policies.can_run)
    form = StepForm()
    if not form.validate_on_submit():
        return _done(workshop, _("Choose the next or the previous phase."))
    phase = services.move_phase(current_user, workshop, int(form.step.data), moving_from=form.phase.data)
    return _done(workshop, success=_("The workshop is now in the %(phase)s phase.",
                                     phase=services.phase_label(phase)))


def _card_fields(form: CardForm):
    dimension = db.session.get(Dimension, form.dimension_id.data) if form.dimension_id.data else None
    cause = db.session.get(RootCause, form.root_cause_id.data) if form.root_cause_id.data else None
    return form.text.data.strip(), dimension, cause


def _form_error(form) -> str:
    return " ".join(f"{getattr(form, name).label.text}: {' '.join(errors)}"
                    for name, errors in form.errors.items())


@bp.post("/<int:workshop_id>/cards")
@login_required
def add_card(workshop_id: int):
    workshop = _workshop(workshop_id, policies.can_take_part)
    form = card_form(request.form)
    if not form.validate_on_submit():
        return _done(workshop, _form_error(form))
    card = services.add_card(current_user, workshop, *_card_fields(form), anonymous=form.anonymous.data)
    if card.author_id is None:
        session[OWN_CARDS] = [*session.get(OWN_CARDS, []), _mark(card)][-OWN_CARDS_KEPT:]
    session[CARD_FORM] = session.get(CARD_FORM, 0) + 1
    return _done(workshop, success=_("Card added."))


@bp.route("/<int:workshop_id>/cards/<int:card_id>/edit", methods=["GET", "POST"])
@login_required
def edit_card(workshop_id: int, card_id: int):
    workshop = _workshop(workshop_id, policies.can_take_part)
    card = _card(workshop, card_id)
    if not _owns(card):
        abort(403)
    form = card_form(request.form) if request.method == "POST" else card_form()
    if request.method == "GET":
        form.text.data = card.text
        form.dimension_id.data = card.dimension_id or 0
        form.root_cause_id.data = card.root_cause_id or 0
    elif form.validate_on_submit():
        try:
            services.edit_card(current_user, card, *_card_fields(form), owns=True)
        except services.WorkshopError as error:
            db.session.rollback()
            form.text.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Card saved."), "success")
            return redirect_to(url_for("workshops.board", workshop_id=workshop.id))
    return render("workshops/card_form.html", form=form, w=workshop, card=card,
                  http_status=422 if form.errors else 200)


@bp.post("/<int:workshop_id>/cards/<int:card_id>/withdraw")
@login_required
def withdraw_card(workshop_id: int, card_id: int):
    return _card_action(workshop_id, card_id, lambda user, card: services.withdraw_card(
        user, card, owns=_owns(card)), _("Card withdrawn."))


@bp.post("/<int:workshop_id>/merge")
@login_required
def merge(workshop_id: int):
    workshop = _workshop(workshop_id, policies.can_run)
    form = _merge_form(workshop, request.form)
    if not form.validate_on_submit():
        return _done(workshop, _form_error(form) or _("Choose a group card and the cards to merge into it."))
    if not form.card_ids.data:
        return _done(workshop, _("Choose at least one card to merge into the group card."))
    group = _card(workshop, form.group_id.data)
    cards = [_card(workshop, i) for i in form.card_ids.data]
    services.merge_cards(current_user, group, cards)
    return _done(workshop, success=_("Cards merged."))


@bp.post("/<int:workshop_id>/themes")
@login_required
def card_from_theme(workshop_id: int):
    workshop = _workshop(workshop_id, policies.can_run)
    form = ThemeCardForm()
    if not form.validate_on_submit():
        return _done(workshop, _("Choose a theme of a department's comments."))
    department = db.session.get(Department, form.department_id.data)
    _card, made = services.card_from_theme(current_user, workshop, department, form.theme_id.data)
    return _done(workshop, success=_("Card added.") if made else _("This card is already on the board."))


@bp.post("/<int:workshop_id>/suggestions/<int:theme_id>/accept")
@login_required
def accept_suggestion(workshop_id: int, theme_id: int):
    workshop = _workshop(workshop_id, policies.can_run)
    form = SuggestionForm()
    if not form.validate_on_submit():
        return _done(workshop, _("That suggestion is no longer on the board: look at the board again."))
    services.accept_suggestion(current_user, workshop, theme_id, form.card_ids.data)
    return _done(workshop, success=_("Cards merged."))


@bp.post("/<int:workshop_id>/suggestions/<int:theme_id>/reject")
@login_required
def reject_suggestion(workshop_id: int, theme_id: int):
    workshop = _workshop(workshop_id, policies.can_run)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.reject_suggestion(current_user, workshop, theme_id)
    return _done(workshop, success=_("Suggestion rejected: it will not be made again."))


@bp.post("/<int:workshop_id>/complaint-cards")
@login_required
def load_complaint_cards(workshop_id: int):
    workshop = _workshop(workshop_id, policies.can_run)
    if not ActionForm().validate_on_submit():
        abort(400)
    added = services.load_complaint_cards(current_user, workshop)
    return _done(workshop, success=ngettext("%(num)d card added from the complaints.",
                                            "%(num)d cards added from the complaints.", added) if added
                 else _("The complaints are on the board already."))


@bp.post("/<int:workshop_id>/cards/<int:card_id>/vote")
@login_required
def vote(workshop_id: int, card_id: int):
    return _card_action(workshop_id, card_id, services.vote)


@bp.post("/<int:workshop_id>/cards/<int:card_id>/unvote")
@login_required
def unvote(workshop_id: int, card_id: int):
    return _card_action(workshop_id, card_id, services.unvote)


def _card_action(workshop_id: int, card_id: int, change, success: str | None = None):
    workshop = _workshop(workshop_id, policies.can_take_part)
    card = _card(workshop, card_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    change(current_user, card)
    return _done(workshop, success=success)


@bp.post("/<int:workshop_id>/cards/<int:card_id>/project")
@login_required
def to_project(workshop_id: int, card_id: int):
    workshop = _workshop(workshop_id, policies.can_run)
    card = _card(workshop, card_id)
    form = _project_form(workshop, card, request.form)
    if not form.validate_on_submit():
        return _done(workshop, _form_error(form), forms={"project": (card.id, form)})
    owner = db.session.get(Department, form.owner_department_id.data)
    others = [d for i in form.department_ids.data if (d := db.session.get(Department, i))]
    try:
        project = services.turn_into_project(current_user, card, owner, others, form.title.data.strip())
    except (services.WorkshopError, projects.ProjectError) as error:
        return _done(workshop, str(error), forms={"project": (card.id, form)})
    return _done(workshop, success=_("Project %(title)s proposed. It needs a metric, a baseline and a target "
                                     "before it can start.", title=project.title))


# Minutes -----------------------------------------------------------------------------------------

@bp.get("/<int:workshop_id>/minutes")
@login_required
def minutes(workshop_id: int):
    workshop = _workshop(workshop_id, policies.can_view)
    return render("workshops/minutes.html", w=workshop, minutes=services.minutes(workshop),
                  minutes_tables=services.MINUTES_TABLES)


def _filename(workshop: Workshop) -> str:
    return f"workshop-{workshop.id}-minutes"


@bp.get("/<int:workshop_id>/minutes.md")
@login_required
def minutes_md(workshop_id: int):
    workshop = _workshop(workshop_id, policies.can_view)
    return Response(services.minutes_markdown(services.minutes(workshop)), mimetype="text/markdown",
                    headers={"Content-Disposition": f'attachment; filename="{_filename(workshop)}.md"'})


@bp.get("/<int:workshop_id>/minutes.csv")
@login_required
def minutes_csv(workshop_id: int):
    workshop = _workshop(workshop_id, policies.can_view)
    tables = services.minutes_tables(services.minutes(workshop))
    return spreadsheet.download(tables, request.args.get("table"), _filename(workshop))
