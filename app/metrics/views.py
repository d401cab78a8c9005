"""Pages of the metrics catalog: metrics, their trend and readings, reading forms and CSV import."""
from datetime import timedelta

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app.extensions import db
from app.metrics import charts, policies, services
from app.metrics.forms import DriversForm, MetricForm, ReadingForm, SuggestedForm
from app.metrics.models import Metric
from app.org.models import Department
from app.org.services import department_names
from app.reports.charts import for_phones
from app.time import utcnow
from app.web import csvfile
from app.web.authz import requires
from app.web.htmx import redirect_to, render, wants_fragment
from app.web.numbers import number

bp = Blueprint("metrics", __name__, url_prefix="/metrics")


def _department_choices() -> list[SelectChoice]:
    return [SelectChoice(0, _("— none —"))] + [SelectChoice(d.id, d.name) for d in department_names()]


def _department(department_id: int | None) -> Department | None:
    return db.session.get(Department, department_id) if department_id else None


# The catalog -------------------------------------------------------------------------------------

@bp.get("")
@requires(policies.can_view_metrics)
def index():
    metrics = services.metrics()
    latest = services.latest_readings()
    recent = services.recent_values(utcnow().date() - timedelta(days=365))
    sparks = {m.id: charts.sparkline(f"spark-{m.id}", _("%(name)s over the last year", name=m.name),
                                     recent.get(m.id, []), number) for m in metrics}
    return render("metrics/index.html", metrics=metrics, latest=latest, sparks=sparks,
                  can_manage=policies.can_manage_catalog(current_user),
                  missing=services.missing_suggestions())


def _save_metric(metric: Metric | None):
    form = MetricForm(obj=metric)
    form.owner_department_id.choices = _department_choices()
    if metric is not None and not form.is_submitted():
        form.owner_department_id.data = metric.owner_department_id or 0
    if form.validate_on_submit():
        try:
            saved = services.save_metric(current_user, metric, form.name.data, form.description.data,
                                         form.unit.data, form.direction.data,
                                         _department(form.owner_department_id.data))
        except services.MetricError as error:
            db.session.rollback()
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Metric %(name)s saved.", name=saved.name), "success")
            return redirect_to(url_for("metrics.detail", metric_id=saved.id))
    return render("metrics/form.html", form=form, metric=metric)


@bp.route("/new", methods=["GET", "POST"])
@requires(policies.can_manage_catalog)
def new():
    return _save_metric(None)


@bp.route("/<int:metric_id>/edit", methods=["GET", "POST"])
@requires(policies.can_manage_catalog)
def edit(metric_id: int):
    return _save_metric(db.get_or_404(Metric, metric_id))


@bp.route("/suggested", methods=["GET", "POST"])
@requires(policies.can_manage_catalog)
def suggested():
    missing = services.missing_suggestions()
    form = SuggestedForm()
    form.keys.choices = [SelectChoice(s.key, str(s.name)) for s in missing]
    form.owner_department_id.choices = _department_choices()
    if form.validate_on_submit():
        if not form.keys.data:
            form.keys.errors.append(_("Choose at least one metric."))
        else:
            try:
                added = services.add_suggested(current_user, form.keys.data,
                                               _department(form.owner_department_id.data))
            except services.MetricError as error:
                db.session.rollback()
                form.keys.errors.append(str(error))
            else:
                db.session.commit()
                flash(ngettext("%(num)d metric added.", "%(num)d metrics added.", len(added)), "success")
                return redirect_to(url_for("metrics.index"))
    return render("metrics/suggested.html", form=form, suggestions={s.key: s for s in missing})


# One metric and its readings ---------------------------------------------------------------------

def _drivers_form(metric: Metric) -> DriversForm:
    form = DriversForm()
    form.department_ids.choices = [SelectChoice(d.id, d.name) for d in department_names()]
    if not form.is_submitted():
        form.department_ids.data = [d.id for d in services.drivers(metric)]
    return form


def _reading_form(**defaults) -> ReadingForm:
    form = ReadingForm(**defaults)
    form.dimension.choices = [SelectChoice("", _("— none —"))] + [
        SelectChoice(key, d.name) for key, d in services.dimensions_by_key().items()]
    return form


def _detail_context(metric: Metric, form: ReadingForm | None = None, saved: str = "",
                    drivers_form: DriversForm | None = None) -> dict:
    can_manage = policies.can_manage_catalog(current_user)
    readings = services.readings(metric)
    chart = for_phones(charts.trend_chart, f"trend-{metric.id}", _("%(name)s over time", name=metric.name),
                       [(r.taken_on, r.value) for r in reversed(readings)], metric.direction, metric.unit,
                       number)
    return {"metric": metric, "readings": readings, "chart": chart, "saved": saved,
            "form": form or _reading_form(formdata=None, taken_on=utcnow().date()),
            "can_add": policies.can_add_readings(current_user, metric), "can_manage": can_manage,
            "drivers": services.drivers(metric),
            "drivers_form": drivers_form or (_drivers_form(metric) if can_manage else None)}


@bp.get("/<int:metric_id>")
@requires(policies.can_view_metrics)
def detail(metric_id: int):
    metric = db.get_or_404(Metric, metric_id)
    return render("metrics/detail.html", **_detail_context(metric))


def _checked(form: ReadingForm):
    """The form's value and dimension, each problem put under its field."""
    value = dimension = None
    try:
        value = services.parse_number(form.value.data)
    except services.MetricError as error:
        form.value.errors.append(str(error))
    try:
        dimension = services.dimension_of(form.dimension.data)
    except services.MetricError as error:
        form.dimension.errors.append(str(error))
    if value is not None and dimension is not None and (problem := services.scale_problem(value)):
        form.value.errors.append(problem)
    return value, dimension


@bp.post("/<int:metric_id>/readings")
@requires(policies.can_view_metrics)
def add_reading(metric_id: int):
    metric = db.get_or_404(Metric, metric_id)
    if not policies.can_add_readings(current_user, metric):
        abort(403)
    form = _reading_form()
    if form.validate_on_submit():
        value, dimension = _checked(form)
        if not form.errors:
            try:
                _reading, added = services.record_reading(current_user, metric, form.taken_on.data, value,
                                                          form.note.data or "", dimension)
            except services.MetricError as error:
                db.session.rollback()
                form.taken_on.errors.append(str(error))
            else:
                db.session.commit()
                message = (_("Reading of %(date)s added.", date=form.taken_on.data.isoformat()) if added
                           else _("Reading of %(date)s updated.", date=form.taken_on.data.isoformat()))
                if wants_fragment():
                    return render("metrics/detail.html", "metrics/_readings.html",
                                  **_detail_context(metric, saved=message))
                flash(message, "success")
                return redirect_to(url_for("metrics.detail", metric_id=metric.id))
    return render("metrics/detail.html", "metrics/_readings.html", **_detail_context(metric, form))


@bp.post("/<int:metric_id>/drivers")
@requires(policies.can_manage_catalog)
def set_drivers(metric_id: int):
    metric = db.get_or_404(Metric, metric_id)
    form = _drivers_form(metric)
    if form.validate_on_submit():
        chosen = [d for i in form.department_ids.data if (d := db.session.get(Department, i))]
        changed = services.set_drivers(current_user, metric, chosen)
        db.session.commit()
        flash(_("The departments that drive %(name)s are saved.", name=metric.name) if changed
              else _("Nothing to change."), "success")
        return redirect_to(url_for("metrics.detail", metric_id=metric.id, _anchor="drivers"))
    return render("metrics/detail.html", **_detail_context(metric, drivers_form=form),
                  http_status=422)


# CSV import --------------------------------------------------------------------------------------

@bp.route("/import", methods=["GET", "POST"])
@requires(policies.can_view_metrics)
def import_readings():
    allowed = [m for m in services.metrics() if policies.can_add_readings(current_user, m)]
    if request.method == "POST" and not allowed:
        abort(403)  # before reading a byte of the file: someone who may import nothing gets nothing parsed
    def save(rows):
        added, updated = services.import_readings(current_user, rows)
        db.session.commit()
        flash(_("Readings imported: %(added)d new, %(updated)d updated.", added=added, updated=updated),
              "success")
        return redirect_to(url_for("metrics.index"))

    def counts(rows):
        return {"added": sum(row.status == "new" for row in rows),
                "updated": sum(row.status == "updated" for row in rows)}

    return csvfile.import_page(current_user, "readings",
                               lambda text: services.parse_readings_csv(text, current_user),
                               services.MetricError, save, "metrics/import", counts,
                               columns=services.IMPORT_COLUMNS, metrics=allowed)
