"""Pages for departments, people (with CSV import and invitation links) and the service map."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.auth.links import deliver_link, invite_new_people
from app.auth.models import User
from app.extensions import db
from app.org import policies, services
from app.org.forms import ActiveForm, DepartmentForm, DepartmentLinksForm, PersonForm, ServiceLinkForm
from app.org.models import Department
from app.web import csvfile
from app.web.authz import requires
from app.web.changes import committed
from app.web.confirm import confirmation, confirmed
from app.web.htmx import redirect_to, render, wants_fragment
from app.web.ids import id_arg, page_arg

bp = Blueprint("org", __name__, url_prefix="/org")


# Departments -------------------------------------------------------------------------------------

@bp.get("/departments")
@requires(policies.can_view_organisation)
def departments():
    return render("org/departments.html", departments=services.departments(with_heads=True),
                  sizes=services.department_sizes())


def _department_form(department: Department | None) -> DepartmentForm:
    form = DepartmentForm(obj=department)
    if department is not None and not form.is_submitted():
        form.parent_id.data = department.parent_id or 0
        form.head_ids.data = [h.id for h in department.heads]
    form.parent_id.choices = [SelectChoice(0, _("— none —"))] + [
        SelectChoice(d.id, d.name) for d in services.departments() if d is not department
    ]
    form.head_ids.choices = [SelectChoice(p.id, f"{p.name} ({p.email})")
                             for p in services.people(status="active")]
    return form


def _save_department(department: Department | None):
    form = _department_form(department)
    if form.validate_on_submit():
        parent = db.session.get(Department, form.parent_id.data) if form.parent_id.data else None
        heads = [db.session.get(User, i) for i in form.head_ids.data]
        try:
            saved = services.save_department(current_user, department, form.name.data, form.code.data,
                                             parent, heads, form.faces_clients.data)
        except services.OrgError as error:
            db.session.rollback()
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Department %(name)s saved.", name=saved.name), "success")
            return redirect_to(url_for("org.department", department_id=saved.id))
    return render("org/department_form.html", form=form, department=department)


@bp.route("/departments/new", methods=["GET", "POST"])
@requires(policies.can_manage_organisation)
def department_new():
    return _save_department(None)


@bp.get("/departments/<int:department_id>")
@login_required
def department(department_id: int):
    department = db.get_or_404(Department, department_id)
    if not policies.can_view_department(current_user, department):
        abort(403)
    clients, providers = services.links_of(department)
    by_id = {d.id: d for d in services.departments()}
    return render("org/department.html", department=department, serves=[by_id[i] for i in sorted(clients)],
                  served_by=[by_id[i] for i in sorted(providers)])


@bp.route("/departments/<int:department_id>/edit", methods=["GET", "POST"])
@requires(policies.can_manage_organisation)
def department_edit(department_id: int):
    return _save_department(db.get_or_404(Department, department_id))


@bp.post("/departments/<int:department_id>/delete")
@requires(policies.can_manage_organisation)
def department_delete(department_id: int):
    department = db.get_or_404(Department, department_id)
    if not committed(services.delete_department, department, refused=services.OrgError):
        return redirect_to(url_for("org.department", department_id=department_id))
    flash(_("Department deleted."), "success")
    return redirect_to(url_for("org.departments"))


# Service map -------------------------------------------------------------------------------------

MATRIX_LIMIT = 30  # departments shown as a whole matrix; above it, a list of departments in pages
PAGE_SIZE = 25


@bp.get("/service-map")
@requires(policies.can_view_organisation)
def service_map():
    """The matrix while the departments shown are few; else a list of them in pages, each leading to its
    own checklists (whom it serves, who serves it). The filter's terms pick the departments shown."""
    everyone = services.departments()
    department_id = id_arg("department")
    if department_id is not None:
        department = db.get_or_404(Department, department_id)
        return _department_links(department, _department_links_form(department, everyone))
    query = request.args.get("q", "").strip()[:200]
    shown = services.matching_departments(everyone, query)
    context = dict(everyone=everyone, shown=shown, query=query, matrix_limit=MATRIX_LIMIT,
                   editable=policies.can_manage_organisation(current_user))
    if len(shown) <= MATRIX_LIMIT:
        return render("org/service_map.html", links=services.service_links(among=shown), **context)
    page, pages = page_arg(len(shown), PAGE_SIZE)
    return render("org/service_map.html", rows=shown[(page - 1) * PAGE_SIZE:page * PAGE_SIZE], page=page,
                  pages=pages, first=(page - 1) * PAGE_SIZE + 1, counts=services.link_counts(), **context)


def _department_links_form(department: Department, everyone: list[Department]) -> DepartmentLinksForm:
    form = DepartmentLinksForm()
    form.clients.label.text = _("Whom %(department)s serves", department=department.name)
    form.providers.label.text = _("Who serves %(department)s", department=department.name)
    others = [SelectChoice(d.id, d.name) for d in everyone if d.id != department.id]
    form.clients.choices = form.providers.choices = others
    if not form.is_submitted():
        clients, providers = services.links_of(department)
        form.clients.data, form.providers.data = sorted(clients), sorted(providers)
    return form


def _department_links(department: Department, form: DepartmentLinksForm):
    return render("org/service_map_department.html", department=department, form=form,
                  editable=policies.can_manage_organisation(current_user))


@bp.post("/service-map/departments/<int:department_id>")
@requires(policies.can_manage_organisation)
def department_links(department_id: int):
    department = db.get_or_404(Department, department_id)
    everyone = services.departments()
    form = _department_links_form(department, everyone)
    if not form.validate_on_submit():
        return _department_links(department, form)
    by_id = {d.id: d for d in everyone}
    changed = services.set_links_of(current_user, department, [by_id[i] for i in form.clients.data],
                                    [by_id[i] for i in form.providers.data])
    db.session.commit()
    flash(ngettext("%(num)d link changed.", "%(num)d links changed.", changed) if changed
          else _("Nothing to change."), "success")
    return redirect_to(url_for("org.service_map", department=department.id))


@bp.post("/service-map")
@requires(policies.can_manage_organisation)
def service_link():
    form = ServiceLinkForm()
    if not form.validate_on_submit():
        abort(400)
    provider = db.get_or_404(Department, form.provider.data)
    client = db.get_or_404(Department, form.client.data)
    try:
        on = services.set_service_link(current_user, provider, client, form.state.data == "on")
    except services.OrgError:
        abort(400)
    db.session.commit()
    if wants_fragment():
        return render_template("org/_service_cell.html", provider=provider, client=client, on=on,
                               editable=True, query=form.q.data)
    return redirect(url_for("org.service_map", q=form.q.data or None,
                            _anchor=f"cell-{provider.id}-{client.id}"), code=303)


# People ------------------------------------------------------------------------------------------

@bp.get("/people")
@requires(policies.can_manage_organisation)
def people():
    department_id = id_arg("department")
    status = request.args.get("status", "all")
    query = request.args.get("q", "")[:100]
    return render("org/people.html", "org/_people_table.html",
                  people=services.people(query, department_id, status),
                  departments=services.department_names(), department_id=department_id,
                  status=status, query=query)


def _person_form(person: User | None) -> PersonForm:
    form = PersonForm(obj=person)
    if person is not None and not form.is_submitted():
        form.department_id.data = person.department_id or 0
        form.language.data = person.language or ""
    form.department_id.choices = [SelectChoice(0, _("— none (not an employee) —"))] + [
        SelectChoice(d.id, d.name) for d in services.department_names()
    ]
    return form


def _person_data(form: PersonForm) -> services.PersonData:
    return services.PersonData(
        name=form.name.data, email=form.email.data,
        department=db.session.get(Department, form.department_id.data) if form.department_id.data else None,
        is_facilitator=form.is_facilitator.data, is_admin=form.is_admin.data, language=form.language.data,
    )


@bp.route("/people/new", methods=["GET", "POST"])
@requires(policies.can_manage_organisation)
def person_new():
    return _save_person(None)


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
@requires(policies.can_manage_organisation)
def person_edit(person_id: int):
    return _save_person(db.get_or_404(User, person_id))


def _save_person(person: User | None):
    """Save the form; someone new gets their invitation link, shown at once."""
    form = _person_form(person)
    if form.validate_on_submit():
        try:
            saved = services.save_person(current_user, person, _person_data(form))
            url = deliver_link(saved, "invite") if person is None else None
        except services.OrgError as error:
            db.session.rollback()
            form.email.errors.append(str(error))
        else:
            db.session.commit()
            if person is None:
                return render("org/links.html", links=[(saved, url)])
            flash(_("%(name)s saved.", name=saved.name), "success")
            return redirect_to(url_for("org.people"))
    return render("org/person_form.html", form=form, person=person,
                  active_form=ActiveForm() if person else None)


@bp.post("/people/<int:person_id>/active")
@requires(policies.can_manage_organisation)
def person_active(person_id: int):
    person = db.get_or_404(User, person_id)
    form = ActiveForm()
    if not form.validate_on_submit():
        abort(400)
    if form.active.data != "1" and not confirmed():
        return confirmation(_("Deactivate %(name)s?", name=person.name),
                            _("%(name)s is signed out everywhere; their unused links and API tokens stop "
                              "working for good. Reactivating lets them sign in again, with none of those "
                              "back.", name=person.name),
                            _("Deactivate"), back=url_for("org.person_edit", person_id=person.id))
    if committed(services.set_active, person, form.active.data == "1", refused=services.OrgError):
        flash(_("%(name)s can sign in again.", name=person.name) if person.active
              else _("%(name)s is deactivated and signed out everywhere.", name=person.name), "success")
    return redirect_to(url_for("org.person_edit", person_id=person.id))


@bp.post("/people/<int:person_id>/link")
@requires(policies.can_manage_organisation)
def person_link(person_id: int):
    person = db.get_or_404(User, person_id)
    if not person.active:
        flash(_("Reactivate %(name)s first.", name=person.name), "error")
        return redirect_to(url_for("org.person_edit", person_id=person.id))
    url = deliver_link(person, "invite" if person.password_hash is None else "reset")
    db.session.commit()
    return render("org/links.html", links=[(person, url)])


@bp.route("/people/import", methods=["GET", "POST"])
@requires(policies.can_manage_organisation)
def import_people():
    def save(rows):
        created = services.import_people(current_user, rows)
        links = invite_new_people(created)
        db.session.commit()
        flash(_("%(n)d people imported.", n=len(created)), "success")
        return render("org/links.html", links=links)

    return csvfile.import_page(current_user, "people", services.parse_people_csv, services.OrgError, save,
                               "org/import", columns=services.IMPORT_COLUMNS)
