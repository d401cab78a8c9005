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
    assert written and all(open_ for verb, open_ in written)


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


