"""The demo company: departments, people in every role, a service map, rounds, metrics and projects."""
import sqlalchemy as sa

from app.auth.models import User
from app.auth.passwords import hash_password
from app.dimensions.services import seed_default_dimensions
from app.extensions import db
from app.metrics.demo import load_metrics_demo
from app.notices.models import Notice
from app.org.models import Department, ServiceLink
from app.projects.demo import load_projects_demo
from app.ratings.demo import load_rating_demo
from app.workshops.demo import load_workshops_demo

DEMO_PASSWORD = "trading-zone-demo"

DEPARTMENTS = [  # code, name, the word in the head's e-mail
    ("SAL", "Sales", "sales"), ("MKT", "Marketing", "marketing"), ("FIN", "Finance", "finance"),
    ("PRD", "Production", "production"), ("LOG", "Logistics", "logistics"),
    ("SUP", "Customer Support", "support"), ("IT", "IT", "it"), ("HR", "HR", "hr"),
]
# provider -> clients it serves
SERVICE_MAP = {
    "FIN": ["SAL", "MKT", "PRD", "LOG", "SUP", "IT", "HR"],
    "IT": ["SAL", "MKT", "FIN", "PRD", "LOG", "SUP", "HR"],
    "HR": ["SAL", "MKT", "FIN", "PRD", "LOG", "SUP", "IT"],
    "MKT": ["SAL", "SUP"],
    "SAL": ["MKT", "PRD", "SUP", "FIN"],
    "PRD": ["SAL", "LOG"],
    "LOG": ["SAL", "SUP", "PRD"],
    "SUP": ["SAL", "MKT", "PRD"],
}
FIRST = ["Anna", "Boris", "Clara", "Dmitri", "Elena", "Felix", "Galina", "Hugo", "Irina", "Jonas",
         "Katya", "Leo", "Maria", "Nikolai", "Olga", "Pavel", "Rosa", "Sergei", "Tanya", "Viktor"]
LAST = ["Ivanova", "Smith", "Petrov", "Garcia", "Sokolova", "Müller", "Kuznetsov", "Novak",
        "Volkova", "Berg", "Morozov", "Lindqvist", "Orlova", "Rossi", "Fedorov", "Kowalski"]
PEOPLE_PER_DEPARTMENT = 9  # plus the head: 80 people across eight departments


def _person(email: str, name: str, department: Department | None, password_hash: str, **roles) -> User:
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=name, department=department, password_hash=password_hash, **roles)
        db.session.add(user)
    return user


def load_demo() -> list[tuple[str, str]]:
    """Add whatever of the demo company is missing; returns (role, e-mail) of the sign-ins to print."""
    seed_default_dimensions()
    password_hash = hash_password(DEMO_PASSWORD)  # one hash for all: the demo loads in a second
    by_code = {}
    for code, name, _slug in DEPARTMENTS:
        department = db.session.scalar(sa.select(Department).where(Department.code == code))
        if department is None:
            department = Department(code=code, name=name)
            db.session.add(department)
        by_code[code] = department
    db.session.flush()
    existing = set(db.session.execute(sa.select(ServiceLink.provider_id, ServiceLink.client_id)).tuples())
    for provider, clients in SERVICE_MAP.items():
        for client in clients:
            key = (by_code[provider].id, by_code[client].id)
            if key not in existing:
                db.session.add(ServiceLink(provider_id=key[0], client_id=key[1]))

    _person("admin@example.com", "Alex Admin", None, password_hash, is_admin=True)
    _person("facilitator@example.com", "Fiona Facilitator", by_code["HR"], password_hash,
            is_facilitator=True)
    n = 0
    for code, _name, slug in DEPARTMENTS:
        department = by_code[code]
        head = _person(f"head.{slug}@example.com", f"{FIRST[n % 20]} {LAST[n % 16]}",
                       department, password_hash)
        n += 1
        if head not in department.heads:
            department.heads.append(head)
        for i in range(1, PEOPLE_PER_DEPARTMENT + 1):
            email = "employee.sales@example.com" if (code, i) == ("SAL", 1) else \
                f"{code.lower()}.{i}@example.com"
            _person(email, f"{FIRST[(n * 7) % 20]} {LAST[(n * 5) % 16]}", department, password_hash)
            n += 1
    db.session.flush()
    told_before = db.session.scalar(sa.select(sa.func.max(Notice.id))) or 0
    load_rating_demo()
    # The demo's past is no news: only what happens from now on (the draft the tick opens) is told.
    db.session.execute(sa.delete(Notice).where(Notice.id > told_before))
    load_metrics_demo()
    load_projects_demo()
    load_workshops_demo()
    return [
        ("admin", "admin@example.com"), ("facilitator", "facilitator@example.com"),
        ("head of Finance", "head.finance@example.com"), ("employee of Sales", "employee.sales@example.com"),
    ]
