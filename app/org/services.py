"""Rules of the organisation: departments, people and the service map."""
from dataclasses import dataclass, field

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from app.audit.services import record
from app.auth.models import User, department_heads
from app.auth.services import end_all_sessions, normalise_email, revoke_all_tokens, void_links
from app.database import connect_apart, flush_unless_taken
from app.extensions import db
from app.org.models import Department, ServiceLink, department_metrics, name_key
from app.web import csvfile


class OrgError(Exception):
    """A rule of the organisation was broken; the message is shown to the user."""


# Departments -------------------------------------------------------------------------------------

def departments(with_heads: bool = False) -> list[Department]:
    statement = sa.select(Department).order_by(Department.name)
    if with_heads:  # for a list showing every department's heads: one query for all of them
        statement = statement.options(selectinload(Department.heads))
    return list(db.session.scalars(statement))


def department_names() -> list[sa.Row]:
    """(id, name) of every department, by name: all a choice among them shows."""
    return list(db.session.execute(sa.select(Department.id, Department.name).order_by(Department.name)))


def department_sizes() -> dict[int, int]:
    """How many people belong to each department, counted in one query (not by loading them)."""
    rows = db.session.execute(sa.select(User.department_id, sa.func.count())
                              .where(User.department_id.is_not(None)).group_by(User.department_id))
    return {department_id: n for department_id, n in rows}


def _name_or_code_taken(name: str, code: str, department_id: int | None, reader=None) -> OrgError | None:
    """The refusal for a name (whatever its letter case) or a code another department has, read through
    `reader` (the session, or a connection apart from it)."""
    key = name_key(name)
    others = (reader or db.session).execute(
        sa.select(Department.name, Department.name_key).where(
            sa.or_(Department.name_key == key, Department.code == code),
            Department.id != department_id if department_id else sa.true())).all()
    for other_name, other_key in others:
        if other_key == key:
            return OrgError(_("There is already a department called %(name)s: names that differ only in "
                              "capital letters count as the same.", name=other_name))
    if others:
        return OrgError(_("Another department already has the code %(code)s.", code=code))
    return None


def _check_department(name: str, code: str, parent: Department | None, department: Department | None):
    refusal = _name_or_code_taken(name, code, department.id if department else None)
    if refusal is not None:
        raise refusal
    ancestor = parent
    while ancestor is not None:
        if ancestor is department:
            raise OrgError(_("A department cannot be part of itself or of its own sub-department."))
        ancestor = ancestor.parent


def save_department(actor, department: Department | None, name: str, code: str, parent: Department | None,
                    heads: list[User], faces_clients: bool | None = None) -> Department:
    """Create (department None) or update a department with its heads; `faces_clients` None keeps the mark
    as it is. Unmarked, a department drives no external metric any more: those ties go with the mark."""
    name, code = name.strip(), code.strip().upper()
    _check_department(name, code, parent, department)
    department_id = department.id if department else None
    created = department is None
    if created:
        department = Department()
        db.session.add(department)
    department.name, department.code, department.parent = name, code, parent
    department.heads = heads
    if faces_clients is not None:
        department.faces_clients = faces_clients
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        # Taken since the check, by a request alongside (a double-click, "Sales" and "sales" at once): the
        # check, run again apart from this failed transaction, names what took it.
        with connect_apart(db.engine) as connection:
            refusal = _name_or_code_taken(name, code, department_id, connection)
        raise (refusal or OrgError(_("Another department already has this name or code."))) from None
    if not department.faces_clients:
        db.session.execute(sa.delete(department_metrics).where(
            department_metrics.c.department_id == department.id))
    record(actor, "department.create" if created else "department.update", department,
           "heads: " + ", ".join(h.email for h in heads)
           + ("; faces external clients" if department.faces_clients else ""))
    return department


def delete_department(actor, department: Department) -> None:
    if department.members or department.children:
        raise OrgError(_("Move its people and sub-departments elsewhere first."))
    try:
        with db.session.begin_nested():
            db.session.delete(department)
    except sa.exc.IntegrityError:
        # Rounds, ratings and projects keep their department: history is never rewritten.
        raise OrgError(_("This department has history (rating rounds); it cannot be deleted.")) from None
    record(actor, "department.delete", department)
    db.session.flush()


# Service map -------------------------------------------------------------------------------------

def service_links(among: list[Department] | None = None) -> set[tuple[int, int]]:
    """(provider id, client id) of every link, or only of those between the departments `among`."""
    statement = sa.select(ServiceLink.provider_id, ServiceLink.client_id)
    if among is not None:
        ids = [d.id for d in among]
        statement = statement.where(ServiceLink.provider_id.in_(ids), ServiceLink.client_id.in_(ids))
    return set(db.session.execute(statement).tuples())


def matching_departments(departments: list[Department], query: str) -> list[Department]:
    """The departments whose name or code holds one of the query's comma-separated terms (all of them for
    no term). Matched here rather than in SQL: SQLite's lower() leaves Cyrillic as it is."""
    terms = [term.strip().casefold() for term in query.split(",") if term.strip()]
    if not terms:
        return departments
    return [d for d in departments
            if any(term in d.name.casefold() or term in d.code.casefold() for term in terms)]


def link_counts() -> dict[int, tuple[int, int]]:
    """How many departments each department serves and is served by: {id: (serves, served by)}."""
    serves = dict(db.session.execute(sa.select(ServiceLink.provider_id, sa.func.count())
                                     .group_by(ServiceLink.provider_id)).all())
    served_by = dict(db.session.execute(sa.select(ServiceLink.client_id, sa.func.count())
                                        .group_by(ServiceLink.client_id)).all())
    return {i: (serves.get(i, 0), served_by.get(i, 0)) for i in serves.keys() | served_by.keys()}


def links_of(department: Department) -> tuple[set[int], set[int]]:
    """The ids of the departments `department` serves, and of those that serve it."""
    links = db.session.execute(sa.select(ServiceLink.provider_id, ServiceLink.client_id).where(
        sa.or_(ServiceLink.provider_id == department.id, ServiceLink.client_id == department.id))).tuples()
    clients, providers = set(), set()
    for provider_id, client_id in links:
        if provider_id == department.id:
            clients.add(client_id)
        else:
            providers.add(provider_id)
    return clients, providers


def set_links_of(actor, department: Department, clients: list[Department],
                 providers: list[Department]) -> int:
    """Make `department` serve exactly `clients` and be served by exactly `providers`, in one go (the
    checklists of one department); each link switched is audited as a toggle is. Returns how many."""
    served, serving = links_of(department)
    changes = [(department, c, on) for c, on in _switches(clients, served)]
    changes += [(p, department, on) for p, on in _switches(providers, serving)]
    for provider, client, on in changes:
        set_service_link(actor, provider, client, on)
    return len(changes)


def _switches(wanted: list[Department], linked: set[int]) -> list[tuple[Department, bool]]:
    """The departments to link (True) and unlink (False) to go from the ids `linked` to `wanted`."""
    wanted_ids = {d.id for d in wanted}
    return ([(d, True) for d in wanted if d.id not in linked]
            + [(db.session.get(Department, i), False) for i in sorted(linked - wanted_ids)])


def set_service_link(actor, provider: Department, client: Department, on: bool) -> bool:
    """Make `provider` serve `client` (or stop); asking for the state it already has changes nothing."""
    if provider.id == client.id:
        raise OrgError(_("A department does not rate itself through the service map."))
    link = db.session.get(ServiceLink, (provider.id, client.id))
    if on and link is None:
        db.session.add(ServiceLink(provider_id=provider.id, client_id=client.id))
        record(actor, "service_map.add", f"{provider.code} → {client.code}")
    elif not on and link is not None:
        db.session.delete(link)
        record(actor, "service_map.remove", f"{provider.code} → {client.code}")
    db.session.flush()
    return on


# People ------------------------------------------------------------------------------------------

@dataclass
class PersonData:
    name: str
    email: str
    department: Department | None = None
    is_facilitator: bool = False
    is_admin: bool = False
    language: str | None = None
    head_of: list[Department] = field(default_factory=list)


def clean_email(email: str) -> str:
    try:
        return normalise_email(validate_email(email.strip(), check_deliverability=False).normalized)
    except EmailNotValidError:
        raise OrgError(_("This is not a valid e-mail address.")) from None


def email_taken(email: str, person: User | None = None) -> bool:
    other = db.session.scalar(sa.select(User).where(User.email == email))
    return other is not None and other is not person


def _active_admins() -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(User.is_admin, User.active))


def save_person(actor, person: User | None, data: PersonData) -> User:
    """Create (person None) or update a person; an admin cannot take away their own admin role."""
    email = clean_email(data.email)
    if email_taken(email, person):
        raise OrgError(_("Someone already has this e-mail address."))
    if person is not None and person.id == actor.id and not data.is_admin:
        raise OrgError(_("You cannot take away your own admin role."))
    created = person is None
    if created:
        person = User()
        db.session.add(person)
    person.name, person.email = data.name.strip(), email
    person.department = data.department
    person.is_facilitator, person.is_admin = data.is_facilitator, data.is_admin
    person.language = data.language or None
    if data.head_of:
        person.headed_departments = sorted(set(person.headed_departments) | set(data.head_of),
                                           key=lambda d: d.name)
    flush_unless_taken(OrgError(_("Someone already has this e-mail address.")))
    record(actor, "person.create" if created else "person.update", person)
    return person


def set_active(actor, person: User, active: bool) -> None:
    """Deactivating ends every session of that person at once, and for good their unused links and API
    tokens: reactivating gives none of them back."""
    if person.id == actor.id:
        raise OrgError(_("You cannot deactivate yourself."))
    if not active and person.is_admin and person.active and _active_admins() <= 1:
        raise OrgError(_("The last active admin cannot be deactivated."))
    person.active = active
    details = ""
    if not active:
        end_all_sessions(person)
        void_links(person)
        details = f"api_tokens_revoked={revoke_all_tokens(person)}"
    db.session.flush()
    record(actor, "person.reactivate" if active else "person.deactivate", person, details)


def people_by_department(with_department_only: bool = False) -> list[tuple[Department | None, list[User]]]:
    """Active people grouped by department (by name; people without one last), for the checklists that
    pick people from a company too large for one list."""
    statement = (sa.select(User).where(User.active.is_(True)).outerjoin(Department)
                 .order_by(Department.name.is_(None), Department.name, User.name)
                 .options(selectinload(User.department)))
    if with_department_only:
        statement = statement.where(User.department_id.is_not(None))
    groups: dict[int | None, tuple[Department | None, list[User]]] = {}
    for person in db.session.scalars(statement):
        groups.setdefault(person.department_id, (person.department, []))[1].append(person)
    return list(groups.values())


def people(query: str = "", department_id: int | None = None, status: str = "all") -> list[User]:
    # each person's department and the departments they head (shown as roles): loaded for everyone at once
    statement = (sa.select(User).options(joinedload(User.department), selectinload(User.headed_departments))
                 .order_by(User.name))
    if query:
        text = query.strip().lower()  # % and _ are letters here, not wildcards
        statement = statement.where(sa.or_(sa.func.lower(User.name).contains(text, autoescape=True),
                                           User.email.contains(text, autoescape=True)))
    if department_id:
        statement = statement.where(User.department_id == department_id)
    if status in ("active", "inactive"):
        statement = statement.where(User.active.is_(status == "active"))
    return list(db.session.scalars(statement))


# CSV import --------------------------------------------------------------------------------------

IMPORT_COLUMNS = ("name", "email", "department", "roles", "head_of", "language")
ROLE_NAMES = {"employee", "facilitator", "admin"}


@dataclass
class ImportRow(csvfile.Row):
    person: PersonData | None = None


def parse_people_csv(text: str) -> list[ImportRow]:
    """Check every row; the import goes ahead only if no row has a problem."""
    by_code = {d.code: d for d in departments()}
    taken = set(db.session.scalars(sa.select(User.email)))  # one query, not one a row
    seen: dict[str, int] = {}
    rows = []
    try:
        for line, values in csvfile.records(text, ("name", "email"), IMPORT_COLUMNS):
            row = ImportRow(line=line, values=values)
            rows.append(row)
            row.person = _person_from_row(row, by_code, seen, taken)
    except csvfile.CsvFileError as error:
        raise OrgError(str(error)) from None
    if not rows:
        raise OrgError(_("The file has no people in it."))
    return rows


def _person_from_row(row: ImportRow, by_code: dict, seen: dict, taken: set) -> PersonData | None:
    v, problems = row.values, row.problems
    if not v.get("name"):
        problems.append(_("The name is missing."))
    elif len(v["name"]) > 120:
        problems.append(_("The name is longer than 120 characters."))
    email = ""
    try:
        email = clean_email(v.get("email", ""))
    except OrgError as error:
        problems.append(str(error))
    if email:
        if email in seen:
            problems.append(_("The same e-mail is on line %(line)d.", line=seen[email]))
        elif email in taken:
            problems.append(_("Someone already has this e-mail address."))
        seen.setdefault(email, row.line)
    code = v.get("department", "").upper()
    department = by_code.get(code)
    if code and department is None:
        problems.append(_("No department has the code %(code)s.", code=code))
    roles = {r.strip().lower() for r in v.get("roles", "").replace(",", ";").split(";") if r.strip()}
    if roles - ROLE_NAMES:
        problems.append(_("Unknown role: %(roles)s. Use employee, facilitator or admin.",
                          roles=", ".join(sorted(roles - ROLE_NAMES))))
    if "employee" in roles and department is None:
        problems.append(_("An employee needs a department."))
    head_codes = [c.strip().upper() for c in v.get("head_of", "").replace(",", ";").split(";") if c.strip()]
    unknown = [c for c in head_codes if c not in by_code]
    if unknown:
        problems.append(_("No department has the code %(code)s.", code=", ".join(unknown)))
    language = v.get("language", "").lower()
    if language not in ("", "en", "ru"):
        problems.append(_("The language must be en or ru."))
    if problems:
        return None
    return PersonData(name=v["name"], email=email, department=department,
                      is_facilitator="facilitator" in roles, is_admin="admin" in roles,
                      language=language or None, head_of=[by_code[c] for c in head_codes])


def import_people(actor, rows: list[ImportRow]) -> list[User]:
    """Create everyone from a checked file, or nobody, each audited as save_person does; in one INSERT for the
    people and one for whom they lead: saved one by one, 30,000 people took over ten minutes."""
    if not rows or any(row.problems for row in rows):
        raise OrgError(_("Fix the problems in the file first; nothing was imported."))
    created = [User(name=p.name.strip(), email=p.email, department_id=getattr(p.department, "id", None),
                    is_facilitator=p.is_facilitator, is_admin=p.is_admin, language=p.language or None)
               for p in (row.person for row in rows)]
    db.session.add_all(created)
    flush_unless_taken(OrgError(_("Someone already has this e-mail address.")))
    heads = [{"department_id": department.id, "user_id": person.id}
             for person, row in zip(created, rows, strict=True) for department in set(row.person.head_of)]
    if heads:
        db.session.execute(sa.insert(department_heads), heads)
    for person in created:
        record(actor, "person.create", person)
    record(actor, "person.import", f"{len(created)} people")
    db.session.flush()
    return created
