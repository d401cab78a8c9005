"""The project page: every change shows at once, and no reader sees another's rights or CSRF token."""
import re
from datetime import date

import sqlalchemy as sa

from app.dimensions.models import Dimension
from app.extensions import db
from app.projects import services
from app.projects.models import RootCause
from tests.factories import make_user, page_text
from tests.projects.test_pages import a_project
from tests.reports.test_pages_scorecard import OTHERS, spring_and_autumn
from tests.reports.test_results import Survey, sign_in_as


def seen_by(client, person, project) -> str:
    sign_in_as(client, person)
    response = client.get(f"/projects/{project.id}")
    assert response.status_code == 200
    return page_text(response)


def test_every_change_to_what_the_page_shows_shows_at_once(client, org):
    member = make_user("mo@example.com", "Mo Member", org["sales"])
    cause = RootCause(key="tooling", name_en="Tooling", name_ru="Инструменты")
    db.session.add(cause)
    project = a_project(org, members=[member], root_cause=cause)
    assert "Faster invoices" in seen_by(client, org["employee"], project)
    changes = [
        (lambda: setattr(project, "title", "Invoices within a day"), "Invoices within a day"),
        (lambda: setattr(project, "problem", "Sales wait for a week"), "Sales wait for a week"),
        (lambda: setattr(member, "name", "Morgan Member"), "Morgan Member"),
        (lambda: setattr(org["sales"], "name", "Sales and Marketing"), "Sales and Marketing"),
        (lambda: setattr(org["finance"], "name", "Finance Office"), "Finance Office"),
        (lambda: setattr(cause, "name_en", "Tools and machines"), "Tools and machines"),
        (lambda: project.members.append(org["employee"]), "Erin Employee"),
        (lambda: services.add_check_in(org["head"], project, date(2026, 6, 1), "Met Sales twice", "at_risk"),
         "Met Sales twice"),
        (lambda: services.move(org["head"], project, "cancel", note="No longer needed"), "No longer needed"),
    ]
    for change, shown in changes:
        change()
        db.session.commit()
        assert shown in seen_by(client, org["employee"], project), shown
    # the reader's language: the root cause's name in it
    org["employee"].language = "ru"
    db.session.commit()
    assert "Инструменты" in seen_by(client, org["employee"], project)


def test_each_reader_sees_their_own_rights_and_token(app, org):
    """The head and the facilitator may do the same here: each gets forms with their own CSRF token. The
    employee may do nothing, and is offered nothing."""
    project = a_project(org)
    readers = {who: app.test_client() for who in ("head", "facilitator", "employee")}
    for who, client in readers.items():
        sign_in_as(client, org[who])
    pages = {who: client.get(f"/projects/{project.id}").get_data(as_text=True)
             for who, client in readers.items()}
    for who in ("head", "facilitator"):
        assert "Add the check-in" in pages[who] and f"/projects/{project.id}/start" in pages[who]
        token = re.search(r'<meta name="csrf-token" content="([^"]+)"', pages[who]).group(1)
        assert set(re.findall(r'name="csrf_token" type="hidden" value="([^"]+)"', pages[who])) == {token}
    assert "Add the check-in" not in pages["employee"]
    assert f"/projects/{project.id}/start" not in pages["employee"]
    # the page's form works
    check_in = {"on": "2026-06-01", "status": "on_track", "done": "Kick-off"}
    response = readers["facilitator"].post(f"/projects/{project.id}/check-ins", data=check_in)
    assert response.status_code == 303
    assert "Kick-off" in page_text(readers["employee"].get(f"/projects/{project.id}"))


def test_a_round_published_later_joins_the_source_scores(client, org):
    rounds = spring_and_autumn(org)
    accessibility = db.session.scalar(sa.select(Dimension).where(Dimension.key == "accessibility"))
    project = a_project(org, source=services.weak_spot(rounds["autumn"], org["finance"], accessibility))
    page = seen_by(client, org["head"], project)
    assert "Spring" in page and "Autumn" in page and "Winter" not in page
    winter = Survey(org["facilitator"], [org[d] for d in ("finance", "sales", "support", "legal")],
                    name="Winter", opens=date(2026, 12, 1), closes=date(2026, 12, 20))
    winter.rate(org["sales"], org["finance"], OTHERS)
    winter.publish()
    assert "Winter" in seen_by(client, org["head"], project)
    rounds["spring"].name = "Spring 2026"
    db.session.commit()
    assert "Spring 2026" in seen_by(client, org["head"], project)
