"""Flask commands: `flask demo` and `flask create-admin`."""
import click
from flask import Flask

from app.auth.services import AccountError, create_admin
from app.demo import DEMO_PASSWORD, load_demo
from app.extensions import db
from app.org.services import OrgError, clean_email


@click.command("demo")
def demo_command():
    """Load the demo company (safe to run again) and print its sign-ins."""
    sign_ins = load_demo()
    db.session.commit()
    click.echo("Demo company loaded: eight departments, 82 people, three published rating rounds and an")
    click.echo("open one (Autumn 2026). Every demo account uses the password: " + DEMO_PASSWORD)
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


def register_commands(app: Flask) -> None:
    app.cli.add_command(demo_command)
    app.cli.add_command(create_admin_command)
