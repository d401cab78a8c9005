"""Database connection set-up: SQLite pragmas, write transactions that queue instead of failing, reads of
plain columns (and objects made from them as the ORM makes them), and PostgreSQL's cursor."""
from collections.abc import Sequence
from functools import cache, wraps

import psycopg
import sqlalchemy as sa
from flask import g, has_request_context, request
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


def configure_database(app) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name not in BEGIN:
        return
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
    writing, reading_apart = BEGIN[engine.dialect.name]

    @sa.event.listens_for(engine, "begin")
    def on_begin(connection):
        # The driver runs every statement on its own (SQLite: pysqlite's isolation_level None; PostgreSQL:
        # the engine's AUTOCOMMIT, see app.config) and the app opens transactions itself, so that:
        # - writers take SQLite's write lock up front, and concurrent writers wait their turn (busy timeout)
        #   instead of failing "database is locked" when a read upgrades to a write;
        # - page views (GET), and the reads of a view marked @reads_first until it calls begin_writing(),
        #   open none at all: each statement reads its own snapshot (as PostgreSQL's READ COMMITTED gives
        #   each statement inside a transaction anyway), which spares BEGIN and ROLLBACK, and holds no
        #   snapshot that SQLite's checkpoint would wait for. On PostgreSQL it also spares switching a
        #   pooled connection to autocommit and back on every page view;
        # - a connection opened with execution_options(reading=True) outside any request (the board's poll)
        #   gets the reading transaction: on SQLite a deferred one, whose reads belong together.
        options = connection.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return  # asked for no transaction at all (PostgreSQL's VACUUM)
        reading = options.get("reading")
        if not reading and has_request_context() and (request.method in READ_ONLY_METHODS
                                                      or g.get("reads_first")):
            return
        statement = reading_apart if reading else writing
        if statement:  # sent on the driver's own connection: through SQLAlchemy it cost as much as an INSERT
            connection.connection.driver_connection.execute(statement)


def _configure_sqlite(engine, busy_ms: int) -> None:
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


def connect_apart(engine) -> sa.Connection:
    """A connection to read one statement apart from any request's transaction: on SQLite in a plain
    transaction that never waits for the writer, on PostgreSQL with no transaction at all (on_begin)."""
    return engine.connect().execution_options(reading=True)


def single_writer() -> bool:
    """Whether one transaction at a time may write (SQLite): a writer then sees every write before its own."""
    return db.engine.dialect.name == "sqlite"


def reads_first(view):
    """For a view that reads much before it writes a little (a rating submission): its reads run as a
    page view's do, each statement on its own, and its writes in one transaction from begin_writing() on,
    which on SQLite takes the write lock. Writers then queue for the writes alone, not for the whole
    request, and no read holds a snapshot meanwhile. The view must call begin_writing() before its first
    write, and must not need its reads to agree with each other: the write phase checks again what matters."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        g.reads_first = True
        return view(*args, **kwargs)
    return wrapped


def begin_writing() -> None:
    """End the read phase of a @reads_first view: what follows runs in a new transaction (holding SQLite's
    write lock from its start), so it re-checks what others may have changed (the rules that matter are
    read again or held by constraints there)."""
    commit_keeping_loaded()  # ends the reads' connection; they changed nothing
    g.reads_first = False


def commit_keeping_loaded() -> None:
    """Commit without expiring what the session loaded, for a transaction that changed none of it (its
    writes were plain statements): reading each object again afterwards would cost a statement."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def erase_deleted_rows() -> None:
    """After folded ballots are deleted and committed, make the database files forget them too.

    SQLite: copy the zeroed pages home and empty the write-ahead log, which still held the ballots.
    PostgreSQL: VACUUM reclaims the dead row versions. Best effort: a busy database finishes later.
    """
    if db.engine.dialect.name == "sqlite":
        pooled = db.engine.raw_connection()
        try:  # the driver's own connection: pysqlite runs here without a transaction (no BEGIN event)
            pooled.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            pooled.close()
        return
    # A pooled connection outside any transaction (on_begin sends no BEGIN for it).
    # TRUNCATE false: giving the empty tail pages back to the system needs the table's exclusive lock,
    # which VACUUM retries for up to 5 s while other folds' VACUUMs queue (measured: 5 s stalls under
    # load); the dead rows are pruned either way, and the tail pages are reused by the next ballots.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM (TRUNCATE false) pending_ballots")


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


def add_to_counters(model, rows: list[dict], added: tuple[str, ...]) -> None:
    """Insert rows of counters; where a row with the same primary key is there, add to its `added`
    columns instead. One INSERT … ON CONFLICT DO UPDATE for them all (SQLite and PostgreSQL alike),
    where reading each row and writing it back would cost a statement and an object a row."""
    if rows:
        run_plain(_add_to_counters(model, added, db.engine.dialect.name), rows)


@cache
def _add_to_counters(model, added: tuple[str, ...], dialect_name: str) -> sa.TextClause:
    """The statement as text, built once per table and dialect (whose quoting it uses): SQLAlchemy never
    caches its own ON CONFLICT constructs, so they were compiled anew on every fold, which cost as much
    as running them."""
    quote = db.engine.dialect.identifier_preparer.quote
    table, name = model.__table__, quote(model.__table__.name)
    columns = ", ".join(quote(column.name) for column in table.columns)
    values = ", ".join(f":{column.name}" for column in table.columns)
    key = ", ".join(quote(column.name) for column in table.primary_key.columns)
    adding = ", ".join(f"{quote(c)} = {name}.{quote(c)} + excluded.{quote(c)}" for c in added)
    return sa.text(f"INSERT INTO {name} ({columns}) VALUES ({values}) "
                   f"ON CONFLICT ({key}) DO UPDATE SET {adding}")


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
