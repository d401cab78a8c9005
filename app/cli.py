"""Flask commands: `flask demo`, `flask create-admin`, `flask backup`, `flask restore` and `flask tick`."""
import os
import secrets
import socket
import time
from datetime import UTC, datetime
from pathlib import Path

import click
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import Flask, current_app

from app import backup as backups
from app.auth.services import AccountError, create_admin
from app.database import give_back_lease, take_lease
from app.demo import DEMO_PASSWORD, load_demo
from app.extensions import db
from app.notices.services import send_due
from app.org.services import OrgError, clean_email
from app.projects.follow_up import remind_check_ins, weekly_digest
from app.ratings.schedule import run_schedule
from app.time import utcnow


@click.command("demo")
def demo_command():
    """Load the demo company (safe to run again) and print its sign-ins."""
    sign_ins = load_demo()
    db.session.commit()
    click.echo("Demo company loaded: eight departments, 82 people, three published rating rounds, an open")
    click.echo("one (Autumn 2026) and a draft that `flask tick` opens today (Winter 2026 pulse).")
    click.echo("Every demo account uses the password: " + DEMO_PASSWORD)
    for role, email in sign_ins:
        click.echo(f"  {role:<20} {email}")


@click.command("create-admin")
@click.option("--name", prompt=True)
@click.option("--email", prompt=True)
@click.password_option()
def create_admin_command(name: str, email: str, password: str):
    """Create an admin account for a real installation."""
    try:
        create_admin(name, clean_email(email), password)
    except (OrgError, AccountError) as error:
        message = f"{email} already has an account." if str(error) == "exists" else str(error)
        raise click.ClickException(message) from None
    db.session.commit()
    click.echo(f"Admin {email} created.")


def _busy_ms() -> int:
    return current_app.config["SQLITE_BUSY_TIMEOUT_MS"]


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path):
    """Copy the database into a new file at PATH; the app may keep running."""
    try:
        outcome = backups.backup(db.engine.url, path, _busy_ms())
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up the database to {outcome.path} ({outcome.size:,} bytes, "
               f"schema revision {outcome.revision}).")
    click.echo("Ballots still waiting to be counted are in it sealed: keep SECRET_KEY out of backups.")


def _schema_head(revision: str) -> str:
    """This version's newest schema revision; refuses a backup made by a newer version."""
    scripts = ScriptDirectory(str(Path(current_app.root_path).parent / "migrations"))
    try:
        scripts.get_revision(revision)
    except CommandError:
        raise click.ClickException(
            f"The backup was made by a newer version of Trading Zone (schema revision {revision} is "
            "unknown here); restore it with that version.") from None
    return scripts.get_current_head()


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the database without asking.")
def restore_command(path: Path, yes: bool):
    """Replace everything in the database with the backup at PATH. Stop the app first."""
    url = db.engine.url
    try:
        revision = backups.check(url, path)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    head = _schema_head(revision)
    where = url.render_as_string(hide_password=True)
    if not yes:
        click.confirm(f"Replace everything in {where} with {path}? Stop the app first.", abort=True)
    try:
        backups.restore(url, path, _busy_ms())
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored {where} from {path} (schema revision {revision}).")
    if revision != head:
        click.echo("The backup's schema is older than this version's: run `flask db upgrade` before "
                   "starting the app.")


# One tick holds the lease at a time; a tick that dies holding it stops the others this long at most.
TICK_LEASE, TICK_LEASE_SECONDS = "tick", 300


def tick(now: datetime | None = None) -> list[str] | None:
    """One tick: what it did, one line a move, one a kind of project notice written (and one for the notices
    sent, if any); None when another tick holds the lease. `now` (naive UTC) stands in for the clock's time
    for the rounds' dates, the projects' notices and the notices' retries; the lease always runs on the
    clock."""
    holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"[:200]
    if not take_lease(TICK_LEASE, holder, utcnow(), TICK_LEASE_SECONDS):
        return None
    try:
        now = now or utcnow()
        lines = [str(outcome) for outcome in run_schedule(now)]
        lines += _follow_up(now)
        # After the moves, so a round opened now tells its people at once: its notices were written on the
        # clock, which may be later than the `now` this tick started at.
        notices = send_due(max(now, utcnow()))
        return lines + ([str(notices)] if notices.sent or notices.failed else [])
    finally:
        db.session.rollback()  # whatever a failed move left half done
        give_back_lease(TICK_LEASE, holder, utcnow())


def _follow_up(now: datetime) -> list[str]:
    """The projects' notices of the day (UTC): check-ins due, and on Mondays the weekly digest."""
    lines = []
    for what, write in (("check-ins due", remind_check_ins), ("weekly digests", weekly_digest)):
        written = write(now.date())
        db.session.commit()
        if written:
            lines.append(f"Notices of {what}: {written} written")
    return lines


def _utc(_context, _parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO date and time, e.g. 2027-01-12T09:00.") from None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


@click.command("tick")
@click.option("--now", callback=_utc, metavar="ISO-DATETIME",
              help="Act as if it were this moment (UTC unless it says otherwise): for tests and demos.")
@click.option("--every", type=click.IntRange(min=1), metavar="SECONDS",
              help="Tick again every SECONDS, until the process that started this one ends.")
def tick_command(now: datetime | None, every: int | None):
    """Do the scheduled work that is due: open and close rating rounds on their dates (UTC days), publish
    those set to publish themselves, remind those not finished, tell of project check-ins due (and on
    Mondays write the weekly digest), and send the notices waiting in the outbox.
    Safe to run on several hosts at once: one acts."""
    parent = os.getppid()
    while True:
        try:
            lines = tick(now)
        except Exception:
            if every is None:
                raise
            # Looping beside the server: the database may be back by the next tick.
            current_app.logger.exception("The tick failed; trying again in %d seconds", every)
            lines = []
        for line in ["Another tick is running; this one did nothing."] if lines is None else lines:
            click.echo(line)
        db.session.remove()
        if every is None:
            return
        # Sleep in short steps, to stop soon after the server it was started beside (README) has ended.
        for _second in range(every):
            if os.getppid() != parent:
                return
            time.sleep(1)


def register_commands(app: Flask) -> None:
    for command in (demo_command, create_admin_command, backup_command, restore_command, tick_command):
        app.cli.add_command(command)
