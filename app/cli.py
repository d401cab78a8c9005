"""Flask commands: `flask demo` and `flask create-admin`."""
import click
from flask import Flask

from app.auth.models import User
from app.auth.passwords import hash_password, password_problem
from app.auth.services import find_user_by_email
from app.demo import DEMO_PASSWORD, load_demo
from app.dimensions.services import seed_default_dimensions
from app.extensions import db
from app.org.services import OrgError, clean_email


@click.command("demo")
def demo_command():
    """Load the demo company (safe to run again) and print its sign-ins."""
    sign_ins = load_demo()
    db.session.commit()
    click.echo("Demo company loaded. Every demo account uses the password: " + DEMO_PASSWORD)
    for role, email in sign_ins:
        click.echo(f"  {role:<20} {email}")


@click.command("create-admin")
@click.option("--name", prompt=True)
@click.option("--email", prompt=True)
@click.password_option()
def create_admin_command(name: str, email: str, password: str):
    """Create an admin account for a real installation."""
    try:
        email = clean_email(email)
    except OrgError as error:
        raise click.BadParameter(str(error), param_hint="--email") from None
    problem = password_problem(password)
    if problem:
        raise click.BadParameter(problem, param_hint="--password")
    if find_user_by_email(email):
        raise click.ClickException(f"{email} already has an account.")
    db.session.add(User(name=name.strip(), email=email, is_admin=True, password_hash=hash_password(password)))
    seed_default_dimensions()
    db.session.commit()
    click.echo(f"Admin {email} created.")


def register_commands(app: Flask) -> None:
    app.cli.add_command(demo_command)
    app.cli.add_command(create_admin_command)
