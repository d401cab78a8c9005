"""Admin pages for service dimensions: list, add, edit, reorder, retire."""
from flask import Blueprint, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.dimensions import services
from app.dimensions.forms import DimensionForm
from app.dimensions.models import Dimension
from app.dimensions.policies import can_edit_dimensions
from app.extensions import db
from app.web.authz import requires
from app.web.htmx import redirect_to, render, wants_fragment

bp = Blueprint("dimensions", __name__, url_prefix="/dimensions")

ERRORS = {
    "key": lambda: _("Another dimension already has this key."),
    "retired": lambda: _("Restore the dimension before moving it."),
    "last": lambda: _("At least one dimension must stay in use."),
}


def _texts(form: DimensionForm) -> dict:
    return {name: getattr(form, name).data for name in services.TEXT_FIELDS}


@bp.get("")
@requires(can_edit_dimensions)
def index():
    return render("dimensions/index.html", "dimensions/_list.html", dimensions=services.ordered())


@bp.route("/new", methods=["GET", "POST"])
@requires(can_edit_dimensions)
def new():
    form = DimensionForm()
    if form.validate_on_submit():
        try:
            services.create_dimension(current_user, form.key.data, _texts(form))
        except services.DimensionError as error:
            db.session.rollback()
            form.key.errors.append(ERRORS[str(error)]())
        else:
            db.session.commit()
            flash(_("Dimension added."), "success")
            return redirect_to(url_for("dimensions.index"))
    return render("dimensions/form.html", form=form, dimension=None)


@bp.route("/<int:dimension_id>/edit", methods=["GET", "POST"])
@requires(can_edit_dimensions)
def edit(dimension_id: int):
    dimension = db.get_or_404(Dimension, dimension_id)
    form = DimensionForm(obj=dimension)
    form.key.data = dimension.key  # the key is fixed once created: exports rely on it
    if form.validate_on_submit():
        services.update_dimension(current_user, dimension, _texts(form))
        db.session.commit()
        flash(_("Dimension saved."), "success")
        return redirect_to(url_for("dimensions.index"))
    return render("dimensions/form.html", form=form, dimension=dimension)


def _change(dimension_id: int, change):
    dimension = db.get_or_404(Dimension, dimension_id)
    try:
        change(dimension)
    except services.DimensionError as error:
        db.session.rollback()
        flash(ERRORS[str(error)](), "error")
    else:
        db.session.commit()
    if wants_fragment():
        return render("dimensions/index.html", "dimensions/_list.html", dimensions=services.ordered())
    return redirect_to(url_for("dimensions.index"))


@bp.post("/<int:dimension_id>/up")
@requires(can_edit_dimensions)
def move_up(dimension_id: int):
    return _change(dimension_id, lambda d: services.move_dimension(current_user, d, -1))


@bp.post("/<int:dimension_id>/down")
@requires(can_edit_dimensions)
def move_down(dimension_id: int):
    return _change(dimension_id, lambda d: services.move_dimension(current_user, d, +1))


@bp.post("/<int:dimension_id>/retire")
@requires(can_edit_dimensions)
def retire(dimension_id: int):
    return _change(dimension_id, lambda d: services.set_retired(current_user, d, True))


@bp.post("/<int:dimension_id>/restore")
@requires(can_edit_dimensions)
def restore(dimension_id: int):
    return _change(dimension_id, lambda d: services.set_retired(current_user, d, False))
