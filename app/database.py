"""Database connection set-up: SQLite pragmas, write transactions that queue instead of failing (and
refuse calmly when the write lock stays taken), row locks for a state change sent twice, erasing a closed
round's deleted answers from the files, and the lease that lets one scheduled run act at a time."""
import threading
import time
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import current_app, has_request_context, request
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db

READ_ONLY_METHODS = {"GET", "HEAD", "OPTIONS"}


def _lower(text):
    return text.lower() if isinstance(text, str) else text


# The statement that opens a transaction, sent by the app itself (on_begin): a writer's, and that of a
# connection opened with execution_options(reading=True) to read apart from any request (None: no
# transaction, each statement on its own).
BEGIN = {"sqlite": ("BEGIN IMMEDIATE", "BEGIN"), "postgresql": ("BEGIN", None)}
# A SQLite writer that finds every place to wait for the write lock taken (_configure_sqlite) waits for one
# while places keep coming free, but not once none has for this long: the lock is then held by one long
# change, and the writer is refused at once instead of keeping a thread a page view could have. A burst of
# sign-ins (each holds the lock while it checks a password) frees a place well within it (measured).
PLACE_PATIENCE_SECONDS = 5


class DatabaseBusy(Exception):
    """SQLite's write lock is held by another change for longer than a writer may wait: nothing written."""


@cache
def _code_revision(directory: str) -> str:
    return ScriptDirectory(directory).get_current_head()


def schema_revisions() -> tuple[str | None, str]:
    """(the database's migration, the code's): equal when `flask db upgrade` has run."""
    needed = _code_revision(current_app.extensions["migrate"].directory)
    if not sa.inspect(db.engine).has_table("alembic_version"):
        return None, needed
    return db.session.scalar(sa.text("SELECT version_num FROM alembic_version")), needed


def configure_database(app) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name not in BEGIN:
        return
    begin_writing = None
    if engine.dialect.name == "sqlite":
        begin_writing = _configure_sqlite(engine, app.config["SQLITE_BUSY_TIMEOUT_MS"],
                                          app.config["SQLITE_WAITING_WRITERS"])
    writing, reading_apart = BEGIN[engine.dialect.name]

    @sa.event.listens_for(engine, "begin")
    def on_begin(connection):
        # The driver runs every statement on its own (SQLite: pysqlite's isolation_level None; PostgreSQL:
        # the engine's AUTOCOMMIT, see app.config) and the app opens transactions itself, so that:
        # - writers take SQLite's write lock up front, and concurrent writers wait their turn (busy timeout)
        #   instead of failing "database is locked" when a read upgrades to a write;
        # - page views (GET) open none at all: each statement reads its own snapshot (as PostgreSQL's READ
        #   COMMITTED gives each statement inside a transaction anyway), which spares BEGIN and ROLLBACK, and
        #   holds no snapshot that SQLite's checkpoint would wait for;
        # - a connection opened with execution_options(reading=True) outside any request (the board's poll)
        #   gets the reading transaction: on SQLite a deferred one, whose reads belong together.
        options = connection.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return  # asked for no transaction at all (PostgreSQL's VACUUM)
        reading = options.get("reading")
        if not reading and has_request_context() and request.method in READ_ONLY_METHODS:
            return
        statement = reading_apart if reading else writing
        if begin_writing and not reading:
            begin_writing(connection)  # SQLite's writer: a bounded wait for the write lock
        elif statement:
            connection.exec_driver_sql(statement)  # SQLAlchemy's recipe for SQLite's own BEGIN


def _configure_sqlite(engine, busy_ms: int, waiting_writers: int):
    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let us issue BEGIN ourselves (pysqlite's own BEGIN is always deferred).
        dbapi_connection.isolation_level = None
        # SQLite's own lower() folds only ASCII; searches must match "Анна" and "анна" alike.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted rows (folded ballots) are overwritten with zeros, not left in free pages.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    # A thread waiting for the write lock serves nobody else. While another process holds the lock for long
    # (a round's closing, a command, a stuck process), every thread of a worker could end up waiting in a
    # post, and page views, which read without waiting, would queue behind them. So at most
    # `waiting_writers` threads of a process wait for (or hold) the lock, and the worker runs more threads
    # than that (docs/DEPLOYMENT.md); a writer that finds no place in time, or whose busy timeout runs out,
    # raises DatabaseBusy (a 503 page) before it has written anything.
    places = _Places(waiting_writers)
    writing = set()  # the connections holding a place, until their transaction ends

    def begin_writing(connection) -> None:
        if not places.take():
            raise DatabaseBusy("no place came free to wait for SQLite's write lock")
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except sa.exc.OperationalError as error:  # "database is locked": the busy timeout ran out
            places.give_back()
            raise DatabaseBusy("SQLite's busy timeout ran out") from error
        writing.add(connection)

    @sa.event.listens_for(engine, "commit")
    @sa.event.listens_for(engine, "rollback")  # also on a connection found broken: asks nothing of it
    def on_end(connection):
        if connection in writing:
            writing.discard(connection)
            places.give_back()

    return begin_writing


class _Places:
    """The threads of a process that may wait for SQLite's write lock at once (see _configure_sqlite)."""

    def __init__(self, count: int):
        self.free, self.moved_at, self.changed = count, time.monotonic(), threading.Condition()

    def take(self) -> bool:
        """A place, once one is free; False when none has come free for PLACE_PATIENCE_SECONDS."""
        with self.changed:
            while not self.free:
                left = self.moved_at + PLACE_PATIENCE_SECONDS - time.monotonic()
                if left <= 0:
                    return False
                self.changed.wait(left)
            self.free -= 1
            if not self.free:
                self.moved_at = time.monotonic()  # all taken from now: patience counts from here
            return True

    def give_back(self) -> None:
        with self.changed:
            self.free += 1
            self.moved_at = time.monotonic()
            self.changed.notify()


def connect_apart(engine) -> sa.Connection:
    """A connection to read one statement apart from any request's transaction: on SQLite in a plain
    transaction that never waits for the writer, on PostgreSQL with no transaction at all (on_begin)."""
    return engine.connect().execution_options(reading=True)


def erase_deleted_rows() -> None:
    """After a round's closing is committed, make the database files forget the answers and done notes it
    deleted, and the order and transactions they were written in: SQLite's write-ahead log still holds them
    (the file's pages are zeroed by secure_delete); PostgreSQL's old files keep dead rows, xmin and ctid."""
    # A connection outside any transaction (on_begin sends no BEGIN for it).
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if db.engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            return
        # VACUUM FULL waits for transactions on these tables, and answers to other rounds would queue behind
        # it: give up after a while (autovacuum still removes the dead rows later, but not their bytes at
        # once) and say so.
        connection.exec_driver_sql("SET lock_timeout = '30s'")
        try:
            connection.exec_driver_sql("VACUUM FULL participations, pending_ballots")
        except sa.exc.OperationalError:
            current_app.logger.warning("The closed round's answers could not be erased from the database "
                                       "files yet (busy); run VACUUM FULL participations, pending_ballots")
        finally:
            connection.exec_driver_sql("RESET lock_timeout")


def lock(*objects) -> None:
    """Take the row lock of each object and read it afresh, before checking the state a change moves from.
    A second copy of the same request (a double-click, two tabs) waits here until the first commits, then
    sees what the first did and is refused, instead of doing it again. PostgreSQL: SELECT … FOR UPDATE; SQLite
    ignores it, its writer already holds the whole database. Lock in the same order everywhere (a workshop
    before its cards), so two changes never wait on each other crosswise."""
    db.session.flush()  # what the caller changed already is written, not thrown away by the reading afresh
    for held in objects:  # OF its own table: not the rows its eager loads join (PostgreSQL refuses those)
        db.session.refresh(held, with_for_update={"of": type(held)})


def flush_unless_taken(refusal: Exception) -> None:
    """Write the pending rows; if a unique name, code or address was taken since the check found it free (a
    double-click, a second tab), raise `refusal` as the check would have. The caller then rolls back."""
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        raise refusal from None


class MadeAlready(Exception):
    """A copy of a form that makes something (a double-click, a form sent again) arrived after the copy
    that made it: `made_id` names what the first copy made."""

    def __init__(self, made_id: int):
        super().__init__(made_id)
        self.made_id = made_id


def flush_once(row) -> None:
    """Write the pending rows, `row` new among them with its form's one-time `form_token`; if another copy of
    that form made its row already (a double-click), raise MadeAlready naming it, and the caller rolls back.
    Looked for apart from this transaction, which the failed write left unusable (a savepoint would not
    help: the session writes pending rows before taking one)."""
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        model, token = type(row), row.form_token
        if token is None:
            raise
        with connect_apart(db.engine) as connection:
            made_id = connection.scalar(sa.select(model.id).where(model.form_token == token))
        if made_id is None:
            raise
        raise MadeAlready(made_id) from None


# Scheduled work (`flask tick`) on several hosts: one row per kind of work, held by one run at a time.
scheduler_leases = sa.Table(
    "scheduler_leases",
    db.metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("holder", sa.String(200), nullable=False),
    sa.Column("held_until", sa.DateTime, nullable=False),
)


def take_lease(name: str, holder: str, now: datetime, seconds: int) -> bool:
    """Hold the lease `name` for `holder` until `seconds` after `now` unless another holder has it (False);
    committed at once. Conditional statements decide, so two hosts asking at once cannot both win (PostgreSQL
    re-checks the condition on the row the first taker wrote; SQLite runs one writer at once). An expired
    lease is taken over: a tick that died holding it stops nobody for longer than `seconds`."""
    until = now + timedelta(seconds=seconds)
    row = {"name": name, "holder": holder, "held_until": until}
    insert = (postgresql.insert if db.engine.dialect.name == "postgresql"
              else sqlite.insert)(scheduler_leases).values(row).on_conflict_do_nothing()
    try:
        taken = db.session.execute(insert).rowcount == 1 or db.session.execute(
            sa.update(scheduler_leases).values(holder=holder, held_until=until).where(
                scheduler_leases.c.name == name,
                sa.or_(scheduler_leases.c.held_until <= now, scheduler_leases.c.holder == holder))
        ).rowcount == 1
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
    return taken


def give_back_lease(name: str, holder: str, now: datetime) -> None:
    """Let the next run take the lease `name` at once, if `holder` still holds it. Committed at once."""
    db.session.execute(sa.update(scheduler_leases).values(held_until=now).where(
        scheduler_leases.c.name == name, scheduler_leases.c.holder == holder))
    db.session.commit()
