"""Database connection set-up: SQLite pragmas, write transactions that queue instead of failing, reads of
plain columns (and objects made from them as the ORM makes them), and PostgreSQL's cursor."""
import sqlite3
import threading
import time
from collections.abc import Sequence
from functools import cache

import psycopg
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import current_app, has_request_context, request
from psycopg.pq import ExecStatus

from app.extensions import db

READ_ONLY_METHODS = {"GET", "HEAD", "OPTIONS"}
_ROWS = (ExecStatus.TUPLES_OK, ExecStatus.SINGLE_TUPLE, ExecStatus.TUPLES_CHUNK)


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
            # sent on the driver's own connection: through SQLAlchemy it cost as much as an INSERT
            connection.connection.driver_connection.execute(statement)


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
            connection.connection.driver_connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:  # "database is locked": the busy timeout ran out
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
    deleted, and the order and transactions they were written in.

    SQLite: deleted rows are already overwritten with zeros (secure_delete); copy those pages home and
    empty the write-ahead log, which still held the rows. PostgreSQL: VACUUM FULL writes both tables anew
    and drops their old files, dead rows, transaction ids (xmin) and positions (ctid) with them.
    """
    if db.engine.dialect.name == "sqlite":
        pooled = db.engine.raw_connection()
        try:  # the driver's own connection: pysqlite runs here without a transaction (no BEGIN event)
            pooled.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            pooled.close()
        return
    # A connection outside any transaction (on_begin sends no BEGIN for it). VACUUM FULL waits for
    # transactions on these tables, and answers to other rounds would queue behind it: give up after a while
    # (autovacuum still removes the dead rows later, but not their bytes at once) and say so.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
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
    """Write the pending rows; if a unique name, code or address was taken between the check that found it
    free and this write, by another request running alongside (a double-click, a second tab, another
    import), raise `refusal`, as the check would have, instead of failing the request. The savepoint keeps
    the transaction usable for the answer."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError:
        raise refusal from None


def columns_of(model) -> tuple[str, ...]:
    """The keys of the model's column attributes, in the order loaded() takes their values."""
    return _loading(model)[1]


def plain_columns(model) -> list:
    """The model's column attributes, to select as plain values in the order loaded() takes them."""
    return [getattr(model, key) for key in columns_of(model)]


@cache
def _loading(model) -> tuple:
    """The model's mapper, its column keys and its primary key's keys, worked out once."""
    mapper = sa.inspect(model)
    return (mapper, tuple(attribute.key for attribute in mapper.column_attrs),
            tuple(mapper.get_property_by_column(column).key for column in mapper.primary_key))


def loaded(model, values):
    """The `model` object of these column values (in columns_of(model)'s order), in the session as if the
    ORM had loaded it: the object the session already holds for that identity, else a new one filled in
    as the ORM's loader fills one (no attribute events, nothing to flush). Lazy loads and changes then work
    as on any loaded object. The ORM's own loading of one row cost as much as the query that read it."""
    mapper, columns, primary_key = _loading(model)
    by_key = dict(zip(columns, values, strict=True))
    held = db.session.identity_map.get(mapper.identity_key_from_primary_key([by_key[k] for k in primary_key]))
    if held is not None:
        return held
    found = mapper.class_manager.new_instance()
    found.__dict__.update(by_key)
    sa.orm.make_transient_to_detached(found)
    db.session.add(found)
    return found


def run_plain(statement, params=None) -> sa.CursorResult:
    """A statement of plain columns (a select of columns, an insert or update of values) run on the
    session's connection, in its transaction: the session's own execute() adds 30–60 µs of ORM bookkeeping
    to every statement (measured), more than a page's small reads cost, and plain columns need none of it.
    Pending changes are flushed first, as execute() does.

    The statements a request runs every time are built once, at module level, with bound parameters:
    session.get() and a select() written inside a view are built anew on each call, and SQLAlchemy then
    works out the new statement's cache key again, which costs as much as running it."""
    db.session.flush()
    return db.session.connection().execute(statement, params or {})


# PostgreSQL -------------------------------------------------------------------------------------

class Cursor(psycopg.Cursor):
    """psycopg's cursor, but its `description` is built when first read. SQLAlchemy asks for it after every
    statement, yet for a statement it has run before it only checks that there is one: building the column
    list (a Column object and a type look-up per column) cost the project page's statement 25 µs."""

    @property
    def description(self):
        result = self.pgresult
        if result and (result.nfields or result.status in _ROWS):
            return _Description(lambda: psycopg.Cursor.description.fget(self))
        return None


class _Description(Sequence):
    __slots__ = ("_build", "_columns")

    def __init__(self, build):
        self._build, self._columns = build, None

    def _built(self):
        if self._columns is None:
            self._columns = self._build()
        return self._columns

    def __len__(self):
        return len(self._built())

    def __getitem__(self, index):
        return self._built()[index]
