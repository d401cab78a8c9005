"""Backing up and restoring the database: SQLite through VACUUM INTO and its online backup API, PostgreSQL
through pg_dump, and pg_restore with psql. Used by `flask backup` and `flask restore`; knows nothing of Flask.

A backup taken while a round is open holds its done notes and sealed ballots in key order, not in the order
people answered: SQLite's VACUUM INTO writes every table anew in key order, and on PostgreSQL the two tables
are rewritten in key order (CLUSTER) just before pg_dump reads them.
"""
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
from contextlib import closing, suppress
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

NOT_OURS = "{path} is not a Trading Zone backup: it has no schema revision (alembic_version table)."


class BackupError(Exception):
    """A backup or restore could not be done; the message tells the operator why."""


@dataclass(frozen=True)
class Outcome:
    path: Path
    size: int
    revision: str  # the schema revision (Alembic) the backup was made at


def backend(url: sa.engine.URL) -> str:
    name = url.get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups are made for SQLite and PostgreSQL, not {name}.")
    return name


def backup(url: sa.engine.URL, target: Path, busy_ms: int = 15000) -> Outcome:
    """Copy the live database into a new file at `target` (never over an existing one)."""
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new file name.")
    if not target.parent.is_dir():
        raise BackupError(f"There is no folder {target.parent}.")
    kind = backend(url)
    # Written beside the target under another name, then renamed: a half-made backup is never
    # mistaken for a whole one. Only the owner may read it: it holds accounts and e-mail addresses.
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        if kind == "sqlite":
            _backup_sqlite(_sqlite_file(url), partial, busy_ms)
            revision = sqlite_revision(partial)
        else:
            _put_answers_in_key_order(url)
            _run([_tool("pg_dump"), "--format=custom", f"--file={partial}"], url)
            revision = postgres_revision(partial)
        _publish(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return Outcome(target, target.stat().st_size, revision)


def _publish(partial: Path, target: Path) -> None:
    """Give the finished backup its name, unless a file took that name meanwhile."""
    try:
        os.link(partial, target)  # unlike a rename, a link never replaces an existing file
    except FileExistsError:
        raise BackupError(f"{target} already exists; choose a new file name.") from None
    except OSError:  # a file system without hard links
        if target.exists():
            raise BackupError(f"{target} already exists; choose a new file name.") from None
        os.replace(partial, target)


def check(url: sa.engine.URL, source: Path) -> str:
    """The schema revision of a backup fit for this database; BackupError for anything else."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"There is no file {source}.")
    return sqlite_revision(source) if backend(url) == "sqlite" else postgres_revision(source)


def restore(url: sa.engine.URL, source: Path, busy_ms: int = 15000) -> Outcome:
    """Replace the configured database's contents with a backup's, after checking it is one of ours."""
    source = Path(source)
    revision = check(url, source)
    if backend(url) == "sqlite":
        _restore_sqlite(source, _sqlite_file(url, must_exist=False), busy_ms)
    else:
        _restore_postgres(url, source)
    return Outcome(source, source.stat().st_size, revision)


# SQLite ------------------------------------------------------------------------------------------

def _sqlite_file(url: sa.engine.URL, must_exist: bool = True) -> Path:
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise BackupError("The database is not a plain SQLite file; set DATABASE_URL to one.")
    path = Path(url.database)
    if must_exist and not path.is_file():
        raise BackupError(f"There is no database at {path}.")
    if not path.parent.is_dir():
        raise BackupError(f"There is no folder {path.parent}.")
    return path


def _read_only(path: Path, busy_ms: int) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=busy_ms / 1000)


def _backup_sqlite(database: Path, target: Path, busy_ms: int) -> None:
    with closing(sqlite3.connect(database, timeout=busy_ms / 1000)) as source:
        try:
            # One read transaction: a consistent snapshot, while WAL lets the app keep writing. Every table
            # is written anew in key order, so no page keeps the order in which rows were written.
            source.execute("VACUUM INTO ?", (str(target),))
        except sqlite3.Error as error:
            raise BackupError(f"SQLite could not copy {database}: {error}") from None
    # A single self-contained file: no write-ahead log beside it (sqlite_revision checks it next).
    with closing(sqlite3.connect(target)) as copy:
        copy.execute("PRAGMA journal_mode=DELETE")


def sqlite_revision(path: Path) -> str:
    """The Alembic revision in a SQLite file, or BackupError if it is not a Trading Zone database."""
    try:
        connection = _read_only(path, 1000)
    except sqlite3.Error as error:
        raise BackupError(f"{path} cannot be opened: {error}.") from None
    try:
        if connection.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError(f"{path} is a damaged SQLite database.")
        has_table = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'").fetchone()
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone() if has_table else None
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a Trading Zone backup ({error}).") from None
    finally:
        connection.close()
    if row is None:
        raise BackupError(NOT_OURS.format(path=path))
    return row[0]


def _restore_sqlite(source: Path, database: Path, busy_ms: int) -> None:
    with closing(_read_only(source, busy_ms)) as backup_file, \
            closing(sqlite3.connect(database, timeout=busy_ms / 1000)) as live:
        try:
            # The backup API in reverse: every page of the database is replaced in one step, under its
            # write lock, so nobody reads half of the old and half of the new.
            backup_file.backup(live)
            live.execute("PRAGMA journal_mode=WAL")
            live.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the restored pages into the file itself
        except sqlite3.Error as error:
            raise BackupError(f"SQLite could not restore into {database}: {error}") from None


# PostgreSQL --------------------------------------------------------------------------------------

def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed: install PostgreSQL's client programs "
                          "(e.g. the postgresql-client package) of the server's major version or newer.")
    return path


def _libpq(url: sa.engine.URL) -> tuple[str, dict]:
    """A libpq connection string without the driver part or the password, and an environment holding
    the password: a password in the arguments would show in the process list."""
    plain = sa.engine.URL.create("postgresql", username=url.username, host=url.host, port=url.port,
                                 database=url.database, query=url.query)
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = url.password
    return plain.render_as_string(hide_password=False), environment


def _run(command: list[str], url: sa.engine.URL) -> str:
    target, environment = _libpq(url)
    finished = subprocess.run([*command, f"--dbname={target}"], env=environment, capture_output=True,
                              text=True, check=False)
    if finished.returncode != 0:
        name = Path(command[0]).name
        raise BackupError(f"{name} failed: {finished.stderr.strip() or f'exit {finished.returncode}'}")
    return finished.stdout


# Run by psql in one transaction before the backup's script: the schema is emptied, so the database becomes
# exactly the backup's, with nothing left of a newer schema (tables, trigger functions) that a later
# `flask db upgrade` would trip over. The schema comes back with its owner and grants (the app may sign in
# as another role). Waiting for a lock held by a running app fails instead of stalling; the notice listing
# what the drop cascades to is not shown.
EMPTY_SCHEMA = ("SET lock_timeout = '30s'", "SET client_min_messages = warning", """DO $$
DECLARE
    owner text := (SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'public');
    grants text[] := ARRAY(
        SELECT format('GRANT %s ON SCHEMA public TO %s', privilege_type,
                      CASE WHEN grantee = 0 THEN 'PUBLIC' ELSE grantee::regrole::text END)
        FROM pg_namespace, aclexplode(nspacl) WHERE nspname = 'public' AND grantee <> nspowner);
    grant_ text;
BEGIN
    DROP SCHEMA public CASCADE;
    CREATE SCHEMA public;
    FOREACH grant_ IN ARRAY grants LOOP
        EXECUTE grant_;
    END LOOP;
    EXECUTE format('ALTER SCHEMA public OWNER TO %s', owner);
END $$""")


def _restore_postgres(url: sa.engine.URL, source: Path) -> None:
    """Empty the schema and run the backup's script, all in one transaction: a restore that fails
    half-way leaves the database as it was. pg_restore writes the script and psql runs it; psql commits
    only when its input ends, which it does only once pg_restore has read the whole archive: if pg_restore
    fails, psql is killed first and PostgreSQL rolls the transaction back."""
    target, environment = _libpq(url)
    script = subprocess.Popen([_tool("pg_restore"), "--no-owner", "--exit-on-error", "--file=-", str(source)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    psql = subprocess.Popen([_tool("psql"), "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1",
                             "--single-transaction", *(f"--command={c}" for c in EMPTY_SCHEMA), "--file=-",
                             f"--dbname={target}"],
                            env=environment, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    with suppress(BrokenPipeError):  # psql stopped at an error: it says which below
        shutil.copyfileobj(script.stdout, psql.stdin)
    read_whole = script.wait() == 0
    if not read_whole:
        psql.kill()
    with suppress(BrokenPipeError):
        psql.stdin.close()
    psql.wait()
    if not read_whole:
        raise BackupError(f"pg_restore failed: {script.stderr.read().decode().strip() or script.returncode}; "
                          "the database is as it was.")
    if psql.returncode != 0:
        raise BackupError(f"psql failed: {psql.stderr.read().decode().strip() or psql.returncode}; "
                          "the database is as it was.")


# The done notes and the holding buffer, by their primary keys (the person's id; a random key).
ANSWER_TABLES = (("participations", "pk_participations"), ("pending_ballots", "pk_pending_ballots"))


def _put_answers_in_key_order(url: sa.engine.URL) -> None:
    """Rewrite the tables written as people answer in key order (and without their dead rows), so that a
    dump, which reads rows as they lie, does not list them in the order people answered."""
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            # CLUSTER waits for transactions on the table, and answers queue behind it: fail, not stall.
            connection.exec_driver_sql("SET lock_timeout = '10s'")
            for table, key in ANSWER_TABLES:
                connection.exec_driver_sql(f"CLUSTER {table} USING {key}")
    except sa.exc.SQLAlchemyError as error:
        raise BackupError(f"PostgreSQL could not order the answers' tables: {error.orig or error}") from None
    finally:
        engine.dispose()


ARCHIVE_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE DATA \S+ alembic_version ", re.MULTILINE)


def postgres_revision(path: Path) -> str:
    """The Alembic revision in a pg_dump archive, or BackupError if it is not a Trading Zone one."""
    pg_restore = _tool("pg_restore")
    listing = subprocess.run([pg_restore, "--list", str(path)], capture_output=True, text=True, check=False)
    if listing.returncode != 0:
        raise BackupError(f"{path} is not a pg_dump archive in custom format "
                          f"({listing.stderr.strip() or listing.returncode}).")
    if not ARCHIVE_TABLE.search(listing.stdout):
        raise BackupError(NOT_OURS.format(path=path))
    script = subprocess.run([pg_restore, "--data-only", "--table=alembic_version", "--file=-", str(path)],
                            capture_output=True, text=True, check=False).stdout
    # The table's rows follow its COPY line, one per line, up to the "\." end marker.
    rows = script.split("alembic_version (version_num) FROM stdin;\n", 1)[-1].split("\n\\.", 1)[0]
    revisions = [line for line in rows.splitlines() if line and " " not in line]
    if len(revisions) != 1:
        raise BackupError(f"{path} is not a Trading Zone backup: its schema revision is unreadable.")
    return revisions[0]
