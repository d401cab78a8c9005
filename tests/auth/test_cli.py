"""`flask create-admin` for a real installation."""
import sqlalchemy as sa

from app.auth.models import User
from app.auth.services import authenticate
from app.dimensions.models import Dimension
from app.extensions import db


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=["create-admin", *args], input=input)


def test_create_admin(app):
    result = run(app, "--name", "Ada", "--email", "Ada@Example.com", input="a fine long passphrase\n" * 2)
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User))
    assert user.email == "ada@example.com" and user.is_admin
    assert authenticate("ada@example.com", "a fine long passphrase") is not None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Dimension)) == 9


def test_create_admin_refuses_bad_input_and_writes_nothing(app):
    weak = run(app, "--name", "Ada", "--email", "ada@example.com", input="password\n" * 2)
    assert weak.exit_code != 0 and "most common" in weak.output
    bad_email = run(app, "--name", "Ada", "--email", "not-an-address", input="a fine long passphrase\n" * 2)
    assert bad_email.exit_code != 0 and "valid e-mail" in bad_email.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_create_admin_refuses_an_existing_email(app, org):
    result = run(app, "--name", "Ada", "--email", "admin@example.com", input="a fine long passphrase\n" * 2)
    assert result.exit_code != 0 and "already has an account" in result.output
