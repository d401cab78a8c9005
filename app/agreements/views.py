"""Pages of agreements: the list, writing one (from a matrix tension or a workshop card), confirming and
ending it, and how often each promise was kept."""
from flask import Blueprint, abort, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app.agreements import policies, services
from app.agreements.forms import AgreementForm
from app.agreements.models import Agreement
from app.database import MadeAlready
from app.dimensions.models import Dimension
from app.dimensions.services import ordered
from app.extensions import db
from app.metrics.models import Metric
from app.metrics.services import metrics
from app.org.models import Department
from app.org.services import department_names
from app.ratings.models import Round
from app.web.authz import requires
from app.web.changes import committed
from app.web.confirm import confirmation, confirmed
from app.web.htmx import redirect_to, render
from app.web.ids import id_arg
from app.workshops.models import Card
from app.workshops.policies import can_view

bp = Blueprint("agreements", __name__, url_prefix="/agreements")


@bp.get("")
@requires(policies.can_write_agreements)
def index():
    return render("agreements/index.html", agreements=services.visible_agreements(current_user))


def _agreement_form() -> AgreementForm:
    form = AgreementForm()
    choose = [SelectChoice(0, _("— choose —"))]
    form.provider_id.choices = form.receiver_id.choices = choose + [
        SelectChoice(d.id, d.name) for d in department_names()]
    for _text, dimension, metric in form.promise_rows():
        dimension.choices = choose + [SelectChoice(d.id, d.name) for d in ordered(include_retired=False)]
        metric.choices = choose + [SelectChoice(m.id, m.name) for m in metrics()]
    return form


def _prefill(form: AgreementForm) -> None:
    """From a matrix tension (the two departments, the measure if it is a dimension, the round) or from a
    workshop card (its dimension, and the workshop's departments when there are two)."""
    form.provider_id.data = id_arg("provider") or 0
    form.receiver_id.data = id_arg("receiver") or 0
    form.dimension_1.data = id_arg("dimension") or 0
    form.round_id.data = id_arg("round")
    card = _card(id_arg("card"))
    if card is not None:
        form.card_id.data = card.id
        form.dimension_1.data = card.dimension_id or 0
        pair = card.workshop.departments
        if len(pair) == 2:
            form.provider_id.data, form.receiver_id.data = pair[0].id, pair[1].id


def _card(card_id: int | None) -> Card | None:
    """The workshop card an agreement starts from, if the person may see its workshop."""
    card = db.session.get(Card, card_id or 0)
    return card if card is not None and can_view(current_user, card.workshop) else None


def _promises(form: AgreementForm) -> list[services.PromiseData]:
    """The rows with anything in them; an empty row is no promise."""
    return [services.PromiseData(text.data or "", db.session.get(Dimension, dimension.data or 0),
                                 db.session.get(Metric, metric.data or 0))
            for text, dimension, metric in form.promise_rows()
            if (text.data or "").strip() or dimension.data or metric.data]


@bp.route("/new", methods=["GET", "POST"])
@requires(policies.can_write_agreements)
def new():
    form = _agreement_form()
    if not form.is_submitted():
        _prefill(form)
    elif form.validate():
        try:
            agreement = services.draft(
                current_user, db.session.get(Department, form.provider_id.data or 0),
                db.session.get(Department, form.receiver_id.data or 0), _promises(form),
                db.session.get(Round, form.round_id.data or 0),
                form.card_id.data if _card(form.card_id.data) else None,
                form.form_token.data)
        except services.AgreementError as error:
            db.session.rollback()
            field = form._fields.get(error.field, form.text_1)
            field.errors = [*field.errors, str(error)]
        except MadeAlready as made:
            db.session.rollback()
            flash(_("This agreement was already written: here it is."), "info")
            return redirect_to(url_for("agreements.detail", agreement_id=made.made_id))
        else:
            db.session.commit()
            flash(_("Agreement drafted. A head of the other department confirms it to put it in force."),
                  "success")
            return redirect_to(url_for("agreements.detail", agreement_id=agreement.id))
    return render("agreements/form.html", form=form, http_status=422 if form.errors else 200)


def _agreement(agreement_id: int) -> Agreement:
    agreement = db.get_or_404(Agreement, agreement_id)
    if not policies.can_view_agreement(current_user, agreement):
        abort(403)
    return agreement


@bp.get("/<int:agreement_id>")
@requires(policies.can_write_agreements)
def detail(agreement_id: int):
    agreement = _agreement(agreement_id)
    return render("agreements/detail.html", agreement=agreement, records=services.record_of(agreement))


@bp.post("/<int:agreement_id>/confirm")
@requires(policies.can_write_agreements)
def confirm(agreement_id: int):
    agreement = _agreement(agreement_id)  # CSRFProtect has checked the button's token
    try:
        services.confirm(current_user, agreement)
    except services.AgreementError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("The agreement is in force: the next round asks whether its promises were kept."), "success")
    return redirect_to(url_for("agreements.detail", agreement_id=agreement.id))


@bp.post("/<int:agreement_id>/end")
@requires(policies.can_write_agreements)
def end(agreement_id: int):
    agreement = _agreement(agreement_id)  # CSRFProtect has checked the button's token
    back = url_for("agreements.detail", agreement_id=agreement.id)
    draft = agreement.state == "draft"
    if policies.can_end_agreement(current_user, agreement) and not confirmed():
        if draft:
            return confirmation(_("Withdraw this draft?"), _("Nobody can confirm it any more."),
                                _("Withdraw the draft"), back=back)
        return confirmation(_("End this agreement?"),
                            _("From now on no round asks the people of %(receiver)s whether they got what "
                              "was agreed. What the rounds before found stays on this page.",
                              receiver=agreement.receiver.name),
                            _("End the agreement"), back=back)
    if committed(services.end, agreement, refused=services.AgreementError):
        flash(_("The draft is withdrawn.") if draft
              else _("The agreement has ended: no round asks about it any more."), "success")
    return redirect_to(back)
