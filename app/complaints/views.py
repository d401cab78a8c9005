"""Pages of complaints: admins map the categories, facilitators and admins import a file; a department's
scorecard shows the complaints its service feeds."""
from flask import Blueprint, abort, flash, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from app.complaints import policies, services
from app.complaints.forms import CategoryForm
from app.complaints.models import ComplaintCategory
from app.dimensions.models import Dimension
from app.dimensions.services import ordered
from app.extensions import db
from app.org.models import Department
from app.projects.models import RootCause
from app.projects.services import root_causes
from app.ratings.models import Round
from app.web import csvfile
from app.web.authz import requires
from app.web.htmx import redirect_to, render

bp = Blueprint("complaints", __name__, url_prefix="/complaints")


@bp.app_context_processor
def complaint_words():
    return {"complaints_fed_section": complaints_fed_section}


def complaints_fed_section(round_: Round, department: Department) -> Markup:
    """'Complaints your service feeds' over the round's period, drawn afresh below the scorecard's kept
    body: complaints keep arriving after a round is published."""
    fed = services.complaints_fed(department, start=round_.opens_on, end=round_.closes_on)
    total = sum(f.count for f in fed)
    return Markup(render_template("complaints/_fed.html", fed=fed, total=total, round=round_,
                                  unhappy=services.unhappy_clients(total)))


# Categories --------------------------------------------------------------------------------------

def _category_form(category: ComplaintCategory | None) -> CategoryForm:
    form = CategoryForm(obj=category)
    none = SelectChoice(0, _("— none —"))
    form.dimension_id.choices = [none] + [SelectChoice(d.id, d.name) for d in ordered(include_retired=False)]
    form.root_cause_id.choices = [none] + [SelectChoice(c.id, c.name) for c in root_causes()]
    return form


def _save(category: ComplaintCategory | None, form: CategoryForm):
    dimension = db.session.get(Dimension, form.dimension_id.data) if form.dimension_id.data else None
    cause = db.session.get(RootCause, form.root_cause_id.data) if form.root_cause_id.data else None
    try:
        services.save_category(current_user, category, form.name.data, dimension, cause)
    except services.ComplaintError as error:
        db.session.rollback()
        form.name.errors.append(str(error))
        return None
    db.session.commit()
    flash(_("Category saved."), "success")
    return redirect_to(url_for("complaints.categories"))


@bp.route("/categories", methods=["GET", "POST"])
@requires(policies.can_manage_categories)
def categories():
    form = _category_form(None)
    if form.validate_on_submit() and (done := _save(None, form)) is not None:
        return done
    return render("complaints/categories.html", categories=services.categories(), form=form)


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@requires(policies.can_manage_categories)
def category(category_id: int):
    category = db.session.get(ComplaintCategory, category_id) or abort(404)
    form = _category_form(category)
    if form.validate_on_submit() and (done := _save(category, form)) is not None:
        return done
    return render("complaints/category.html", category=category, form=form)


# CSV import --------------------------------------------------------------------------------------

@bp.route("/import", methods=["GET", "POST"])
@requires(policies.can_import_complaints)
def import_complaints():
    def save(rows):
        added = services.import_complaints(current_user, rows)
        db.session.commit()
        flash(_("Complaints imported: %(added)d new; any imported before were left as they were.",
                added=added), "success")
        return redirect_to(url_for("complaints.import_complaints"))

    return csvfile.import_page(current_user, "complaints", services.parse_complaints_csv,
                               services.ComplaintError, save, "complaints/import",
                               columns=services.IMPORT_COLUMNS, categories=services.categories())
