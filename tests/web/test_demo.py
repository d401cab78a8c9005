"""`flask demo`: a demo company that can be loaded twice, with four sign-ins that work."""
import shutil

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from app import create_app
from app.auth.models import User
from app.demo import DEMO_PASSWORD
from app.dimensions.models import Dimension
from app.extensions import db
from app.org.models import Department, ServiceLink
from app.ratings.models import Round
from tests.conftest import app_config, migrate_to_head
from tests.factories import count

SIGN_INS = ["admin@example.com", "facilitator@example.com", "head.finance@example.com",
            "employee.sales@example.com"]


def navigation(response) -> list[str]:
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return [a.get_text() for a in page.select("nav.mainnav a")]


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    """The demo loaded twice, as someone would who runs the command again — once for this module,
    into a SQLite file each test then copies (loading takes seconds; copying a file does not)."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    migrate_to_head(f"sqlite:///{path}")
    app = create_app(app_config(f"sqlite:///{path}"))
    with app.app_context():
        runner = app.test_cli_runner()
        results = [runner.invoke(args=["demo"]) for _ in range(2)]
        db.session.remove()
        db.engine.dispose()
    return path, results


@pytest.fixture
def database_uri(demo_file, tmp_path):
    """Each test gets its own copy of the demo database."""
    shutil.copy(demo_file[0], tmp_path / "demo.sqlite")
    return f"sqlite:///{tmp_path / 'demo.sqlite'}"


@pytest.fixture
def demo(demo_file, app):
    return demo_file[1]


def test_the_command_succeeds_and_prints_the_sign_ins(demo):
    for result in demo:
        assert result.exit_code == 0, result.output
        assert "trading-zone-demo" in result.output
        for email in SIGN_INS:
            assert email in result.output


def test_running_it_twice_builds_one_company(demo):
    assert count(Department) == 8
    assert 75 <= count(User) <= 90
    emails = list(db.session.scalars(sa.select(User.email)))
    assert len(emails) == len(set(emails))
    for department in db.session.scalars(sa.select(Department)):
        assert len(department.heads) == 1, department.name
        assert len(department.members) >= 2, department.name
    assert count(ServiceLink) > 0
    assert count(Dimension) == 9


def test_every_department_serves_someone_and_is_served(demo):
    links = set(db.session.execute(sa.select(ServiceLink.provider_id, ServiceLink.client_id)).tuples())
    ids = set(db.session.scalars(sa.select(Department.id)))
    assert {p for p, _ in links} == ids
    assert {c for _, c in links} == ids
    assert all(p != c for p, c in links)


@pytest.mark.parametrize("email", SIGN_INS)
def test_each_demo_account_signs_in_with_the_demo_password(app, demo, email):
    client = app.test_client()
    assert client.sign_in(email, DEMO_PASSWORD).status_code == 303
    assert client.get("/").status_code == 200


def test_the_admin_sees_the_admin_navigation(app, demo):
    client = app.test_client()
    client.sign_in("admin@example.com", DEMO_PASSWORD)
    nav = navigation(client.get("/"))
    assert {"Departments", "Service map", "People", "Dimensions", "Audit log"} <= set(nav)


def test_the_facilitator_sees_the_service_map_but_not_people(app, demo):
    client = app.test_client()
    client.sign_in("facilitator@example.com", DEMO_PASSWORD)
    nav = navigation(client.get("/"))
    assert "Service map" in nav and "Departments" in nav
    assert "People" not in nav and "Audit log" not in nav
    assert client.get("/org/service-map").status_code == 200
    assert client.get("/org/people").status_code == 403


def test_the_head_of_finance_reaches_finance_only(app, demo):
    finance = db.session.scalar(sa.select(Department).where(Department.code == "FIN"))
    sales = db.session.scalar(sa.select(Department).where(Department.code == "SAL"))
    client = app.test_client()
    client.sign_in("head.finance@example.com", DEMO_PASSWORD)
    page = client.get("/").get_data(as_text=True)
    assert f"/org/departments/{finance.id}" in page
    assert client.get(f"/org/departments/{finance.id}").status_code == 200
    assert client.get(f"/org/departments/{sales.id}").status_code == 403
    assert "Departments" not in navigation(client.get("/"))


def test_the_sales_employee_sees_no_admin_pages(app, demo):
    client = app.test_client()
    client.sign_in("employee.sales@example.com", DEMO_PASSWORD)
    # What came of their round, workshops (the list shows only their own) and the project portfolio.
    assert navigation(client.get("/")) == ["Home", "You said — we did", "Workshops", "Projects"]
    assert "Sales" in client.get("/").get_data(as_text=True)
    assert client.get("/org/departments").status_code == 403
    assert client.get("/audit").status_code == 403


def test_the_first_tick_opens_the_demos_draft_round_by_itself(app, demo):
    """What the README's run command shows: the tick started beside the server opens a round at once."""
    result = app.test_cli_runner().invoke(args=["tick"])
    opened, *notices = result.output.splitlines()
    assert (result.exit_code, opened) == (0, "Opened Winter 2026 pulse")
    # and tells the demo's projects' leads of the check-ins due (on a Monday, heads of their week too)
    assert all(line.startswith("Notices of ") for line in notices)
    assert db.session.scalar(sa.select(Round.state).where(Round.name == "Winter 2026 pulse")) == "open"
    assert app.test_cli_runner().invoke(args=["tick"]).output == ""
