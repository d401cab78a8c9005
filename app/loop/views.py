"""The "you said — we did" page, and heads' responses to their department's weakest dimensions."""
import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.dimensions.models import Dimension
from app.extensions import db
from app.loop import policies, services
from app.loop.forms import ResponseForm
from app.org.models import Department
from app.projects.services import current_rule, status_label
from app.ratings.models import Round
from app.reports.results import format_mean, noise_effect
from app.web.authz import requires
from app.web.htmx import redirect_to, render, wants_fragment
from app.web.ids import id_arg

bp = Blueprint("loop", __name__, url_prefix="/you-said")


@bp.app_context_processor
def menu():
    return {"offers_what_came_of_it": _offers}


def _offers() -> bool:
    """The menu shows the page once a round of the person's is published (asked once a request)."""
    if "offers_what_came_of_it" not in g:
        g.offers_what_came_of_it = current_user.is_authenticated and services.has_rounds(current_user)
    return g.offers_what_came_of_it


def _prefix(department: Department, dimension_id: int) -> str:
    """Each response form on the page names its fields apart."""
    return f"response-{department.id}-{dimension_id}"


def _forms(cards: list[services.Card]) -> dict[tuple[int, int], ResponseForm]:
    """The response forms the person may use: for the weakest dimensions of departments they head, while
    the round's responses are open."""
    forms = {}
    for card in cards:
        if card.open_for_responses and policies.can_respond_to_weakness(current_user, card.department):
            for row in card.summary.weakest:
                said = card.responses.get(row.dimension.id)
                forms[(card.department.id, row.dimension.id)] = ResponseForm(
                    formdata=None, prefix=_prefix(card.department, row.dimension.id),
                    text=said.text if said else "")
    return forms


@bp.get("")
@requires(policies.can_see_what_came_of_it)
def index():
    rounds = services.rounds_of(current_user)
    wanted = id_arg("round")
    round_ = next((r for r in rounds if r.id == wanted), None) if wanted else (rounds[0] if rounds else None)
    if wanted and round_ is None:
        abort(404)  # not published, or not one of the person's
    cards = services.cards(current_user, round_) if round_ else []
    return render("loop/index.html", rounds=rounds, round=round_, cards=cards, forms=_forms(cards),
                  status_label=status_label, current_rule=current_rule(), fmt=format_mean,
                  noise_effect=noise_effect)


@bp.post("/<int:round_id>/departments/<int:department_id>/dimensions/<int:dimension_id>")
@requires(policies.can_see_what_came_of_it)
def respond(round_id: int, department_id: int, dimension_id: int):
    round_ = db.session.scalar(sa.select(Round).where(Round.id == round_id, Round.state == "published"))
    department = db.session.get(Department, department_id)
    dimension = db.session.get(Dimension, dimension_id)
    if round_ is None or department is None or dimension is None:
        abort(404)
    if not policies.can_respond_to_weakness(current_user, department):
        abort(403)
    form = ResponseForm(prefix=_prefix(department, dimension.id))
    back = url_for("loop.index", round=round_.id, _anchor=f"card-{department.id}")
    if form.validate_on_submit():
        try:
            services.save_response(current_user, round_, department, dimension, form.text.data)
        except services.ResponseError as error:
            db.session.rollback()
            form.text.errors = [*form.text.errors, str(error)]
        else:
            db.session.commit()
            if wants_fragment():  # saved in place: the block again, with the text as stored
                return _response_block(round_, department, dimension, form, saved=True)
            flash(_("The response is saved.") if form.text.data else _("The response was taken back."),
                  "success")
            return redirect_to(back)
    return _response_block(round_, department, dimension, form, http_status=422)


def _response_block(round_: Round, department: Department, dimension: Dimension, form: ResponseForm,
                    saved: bool = False, http_status: int = 200):
    """The response and its form: the fragment htmx swaps in place, or a page of its own for a form sent
    without JavaScript that has to be corrected."""
    return render("loop/response.html", "loop/_response.html", round=round_, department=department,
                  dimension=dimension, response=services.response(round_, department, dimension), form=form,
                  saved=saved, http_status=http_status)
