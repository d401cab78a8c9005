"""The database set-up: SQLite pragmas, and concurrent writers that queue instead of failing."""
import threading

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.extensions import db
from tests.factories import PASSWORD, statements_run


def test_connection_settings(app):
    if db.engine.dialect.name == "postgresql":
        assert db.engine.driver == "psycopg"  # psycopg 3, the driver we ship
        return
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_foreign_keys_are_enforced(app):
    from app.auth.models import User

    db.session.add(User(email="x@example.com", name="X", department_id=999))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()


def test_concurrent_read_then_write_transactions_all_succeed(app):
    """Each writer reads, then writes: with deferred SQLite transactions some fail 'database is locked'."""
    threads, errors, per_thread = 8, [], 15
    barrier = threading.Barrier(threads)

    def writer(n):
        with app.app_context():
            barrier.wait()
            for _ in range(per_thread):
                try:
                    seen = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
                    db.session.add(AuditEntry(actor_name=f"writer {n}", action="test.write",
                                              target=str(seen)))
                    db.session.commit()
                except sa.exc.OperationalError as error:  # the failure we guard against
                    db.session.rollback()
                    errors.append(str(error))

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == threads * per_thread


def a_page_then_a_post(client) -> tuple[list, list]:
    """Each statement of a page view, then of a post: its first two words, and whether a transaction was
    open before it."""
    assert client.sign_in("admin@example.com", PASSWORD).status_code == 303
    client.refresh_token()  # a page read now, so the post below sends only itself
    with statements_run() as sent:
        assert client.get("/org/departments").status_code == 200
        read, sent[:] = list(sent), []
        assert client.post("/logout").status_code in (302, 303)
        return read, list(sent)


def test_on_postgresql_page_views_read_without_a_transaction_and_posts_keep_one(app, client, org):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only (set TEST_DATABASE_URL)")
    read, written = a_page_then_a_post(client)
    assert read and not any(open_ for verb, open_ in read)  # no BEGIN, no ROLLBACK: one round trip each
    assert written[0] == ("BEGIN", False)
    assert all(open_ for verb, open_ in written if verb != "BEGIN")


def test_on_sqlite_page_views_open_no_transaction_and_posts_take_the_write_lock_first(app, client, org):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    read, written = a_page_then_a_post(client)
    # a page view: no BEGIN, and no snapshot held between its statements
    assert read and all(verb.startswith("SELECT") and not open_ for verb, open_ in read)
    # a post: the write lock first, then its reads and writes inside the transaction (every one of them)
    assert written[0] == ("BEGIN IMMEDIATE", False)
    assert ("DELETE FROM", True) in written
    assert all(open_ for verb, open_ in written if not verb.startswith("BEGIN"))


def test_a_write_rolled_back_leaves_nothing_even_on_a_connection_vacuum_had(app, org):
    """The driver runs each statement on its own (PostgreSQL: autocommit) and the app opens transactions:
    a post's writes must still be undone all together, also on the pooled connection that erasing folded
    ballots (VACUUM, asked for without a transaction) used and gave back."""
    from app.database import erase_deleted_rows

    db.session.commit()
    erase_deleted_rows()
    with app.test_request_context("/", method="POST"):
        db.session.add(AuditEntry(actor_name="writer", action="test.write", target="first"))
        db.session.flush()
        db.session.add(AuditEntry(actor_name="writer", action="test.write", target="second"))
        db.session.flush()
        db.session.rollback()
    with db.engine.connect() as apart:  # another connection: nothing was committed on the way
        assert apart.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                            .where(AuditEntry.action == "test.write")) == 0


@pytest.fixture
def one_waiting_writer(database_uri, monkeypatch):
    """An app whose processes let one thread at a time wait for SQLite's write lock, for 0.2 s, and a writer
    wait 0.2 s for that place."""
    import app.database
    from app import create_app
    from tests.conftest import CsrfClient, app_config

    if not database_uri.startswith("sqlite"):
        pytest.skip("SQLite only")
    monkeypatch.setattr(app.database, "PLACE_PATIENCE_SECONDS", 0.2)
    narrow = create_app(app_config(database_uri, SQLITE_WAITING_WRITERS=1, SQLITE_BUSY_TIMEOUT_MS=200))
    narrow.test_client_class = CsrfClient
    with narrow.app_context():
        yield narrow
        db.session.remove()
        db.engine.dispose()


def language_of(email: str) -> str:
    from app.auth.models import User

    with db.engine.connect() as apart:
        return apart.scalar(sa.select(User.language).where(User.email == email))


def assert_busy_page(response):
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    # in the language the post asked for: the session keeps it, and the page is drawn without the database
    assert "База данных занята другим изменением. Ничего не сохранено." in page
    assert "Traceback" not in page


def test_on_sqlite_a_post_with_no_place_to_wait_for_the_write_lock_gets_the_busy_page(one_waiting_writer):
    """The thread that may wait is taken (here by a writer of this process holding the lock): the next
    post is answered at once that nothing was saved, and is saved once the place is free again."""
    from tests.factories import make_user

    make_user("ann@example.com", language="en")
    client = one_waiting_writer.test_client()
    assert client.sign_in("ann@example.com", PASSWORD).status_code == 303
    client.refresh_token()
    holding, done = threading.Event(), threading.Event()

    def writer():  # another thread of the process, in its own post
        with one_waiting_writer.test_request_context("/", method="POST"):
            db.session.connection()  # the one place, and the write lock
            holding.set()
            done.wait(timeout=60)
            db.session.rollback()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert holding.wait(timeout=60)
        assert_busy_page(client.post("/language", data={"language": "ru"}))
    finally:
        done.set()
        thread.join(timeout=60)
    assert language_of("ann@example.com") == "en"
    assert client.post("/language", data={"language": "ru"}).status_code == 303  # the place came back
    assert language_of("ann@example.com") == "ru"


def test_on_sqlite_a_post_whose_busy_timeout_runs_out_gets_the_busy_page_and_gives_its_place_back(
        one_waiting_writer, database_uri):
    import sqlite3

    from tests.factories import make_user

    make_user("ann@example.com", language="en")
    client = one_waiting_writer.test_client()
    assert client.sign_in("ann@example.com", PASSWORD).status_code == 303
    client.refresh_token()
    other = sqlite3.connect(database_uri.removeprefix("sqlite:///"), isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another process's change, holding the lock past the timeout
        for _ in range(2):  # the second finds the one place free again
            assert_busy_page(client.post("/language", data={"language": "ru"}))
    finally:
        other.rollback()
        other.close()
    assert language_of("ann@example.com") == "en"
    assert client.post("/language", data={"language": "ru"}).status_code == 303
    assert language_of("ann@example.com") == "ru"
