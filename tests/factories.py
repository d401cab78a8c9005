"""Factories that build test data through the models, and fixtures for the usual cast of people."""
import html
import itertools
import socket
import threading
from contextlib import contextmanager
from functools import cache

import psycopg
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from bs4 import BeautifulSoup

from app.audit.models import AuditEntry
from app.auth.models import User
from app.auth.passwords import hash_password
from app.extensions import db
from app.org.models import Department, ServiceLink

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


@cache
def _hash(password: str) -> str:
    return hash_password(password)  # hashing once per password keeps the suite fast


def make_department(name: str | None = None, code: str | None = None, parent=None) -> Department:
    n = next(_counter)
    department = Department(name=name or f"Department {n}", code=code or f"D{n}", parent=parent)
    db.session.add(department)
    db.session.flush()
    return department


def make_user(email: str | None = None, name: str | None = None, department=None,
              password: str | None = PASSWORD, head_of=(), **fields) -> User:
    n = next(_counter)
    user = User(email=email or f"person{n}@example.com", name=name or f"Person {n}",
                department=department, password_hash=_hash(password) if password else None, **fields)
    user.headed_departments = list(head_of)
    db.session.add(user)
    db.session.flush()
    return user


def link(provider: Department, client: Department) -> None:
    db.session.add(ServiceLink(provider_id=provider.id, client_id=client.id))
    db.session.flush()


@pytest.fixture
def org(app):
    """Finance and Sales, Finance serving Sales; an employee, two heads, a facilitator and an admin."""
    finance = make_department("Finance", "FIN")
    sales = make_department("Sales", "SAL")
    link(finance, sales)
    people = {
        "employee": make_user("employee@example.com", "Erin Employee", sales),
        "head": make_user("head.finance@example.com", "Hana Head", finance, head_of=[finance]),
        "sales_head": make_user("head.sales@example.com", "Sam Head", sales, head_of=[sales]),
        "facilitator": make_user("facilitator@example.com", "Fay Facilitator", finance, is_facilitator=True),
        "admin": make_user("admin@example.com", "Ada Admin", is_admin=True),
    }
    db.session.commit()
    return {"finance": finance, "sales": sales, **people}


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def audited(*columns) -> sa.Select:
    """A select of audit entries (or of the columns given) without the sign-ins that every test signing in
    leaves; tests/audit/test_account_events.py looks at those."""
    return sa.select(*(columns or (AuditEntry,))).where(~AuditEntry.action.startswith("sign_in."))


def audit_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(audited().subquery()))


def by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email))


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@contextmanager
def count_statements():
    """Yields the list of SQL statements the app sends while the block runs, transaction control
    (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE) left out: they are not queries. The test's pending
    work is committed first, so its own flush is not counted."""
    seen = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if statement.split(None, 1)[0].upper() not in TRANSACTION_CONTROL:
            seen.append(statement)

    db.session.commit()
    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)


@contextmanager
def statements_run():
    """Yields, for each statement the database runs while the block runs, its first two words (upper
    case) and whether a transaction was open before it. On SQLite they are read off the driver itself
    (its trace callback), since the app sends BEGIN there, past SQLAlchemy; the block's connections are
    new ones, traced from the start. On PostgreSQL they are seen as they pass SQLAlchemy, which BEGIN (sent
    on the driver's connection) does not: whether a transaction is open is asked of the driver."""
    seen = []

    def words(statement: str) -> str:
        return " ".join(statement.split()[:2]).upper()

    db.session.commit()
    if db.engine.dialect.name == "sqlite":
        def trace(dbapi_connection, _record):
            dbapi_connection.set_trace_callback(
                lambda statement: seen.append((words(statement), dbapi_connection.in_transaction)))

        event, listener = "connect", trace
        db.engine.dispose()
    else:
        def note(conn, cursor, statement, *rest):
            status = conn.connection.driver_connection.info.transaction_status
            seen.append((words(statement), status != psycopg.pq.TransactionStatus.IDLE))

        event, listener = "before_cursor_execute", note
    sa.event.listen(db.engine, event, listener)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, event, listener)
        if event == "connect":
            db.engine.dispose()  # the traced connections go with the block


def in_parallel(app, n: int, work) -> list:
    """Run work(i) in n threads released together, each with its own app context and database session.
    Returns what each returned, or the exception it raised."""
    barrier = threading.Barrier(n)
    outcomes: list = [None] * n

    def worker(i):
        with app.app_context():
            try:
                barrier.wait()
                outcomes[i] = work(i)
            except Exception as error:  # noqa: BLE001 (reported and asserted on by the test)
                db.session.rollback()
                outcomes[i] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a submission never finished"
    return outcomes


def posted_at_once(app, person, url: str, data: dict | None = None, copies: int = 4) -> tuple[list, list]:
    """One person's form posted `copies` times at once (a double-click, several tabs), each copy from a
    browser of its own signed in as them; (the browsers, their responses), in the same order."""
    browsers = [app.test_client() for _ in range(copies)]
    for browser in browsers:
        assert browser.sign_in(person.email, PASSWORD).status_code == 303
        browser.refresh_token()
    db.session.commit()  # the test's own session holds nothing the posts would wait for
    return browsers, in_parallel(app, copies, lambda i: browsers[i].post(url, data=data or {}))


def page_text(response) -> str:
    """The page as a person reads it: entities like &#39; turned back into characters."""
    return html.unescape(response.get_data(as_text=True))


def form_token_of(response) -> str:
    """The one-time value a "new …" form was drawn with (app.web.forms.FormTokenField)."""
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return page.find("input", {"name": "form_token"})["value"]


@pytest.fixture
def admin(client, org):
    """The client, signed in as the admin of the `org` fixture."""
    assert client.sign_in("admin@example.com", PASSWORD).status_code == 303
    return client


class _Inbox(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


@pytest.fixture
def inbox(app):
    """A real SMTP server on this machine; the app sends to it. Yields the messages received."""
    handler = _Inbox()
    with socket.socket() as probe:  # a free port: the controller checks readiness by connecting to it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False)
    yield handler.messages
    controller.stop()
