"""A project's lists version: the database gives it a new value on every change to its departments,
members, check-ins or moves, and to no other project's."""
from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.projects import services
from app.projects.models import CheckIn, Project, ProjectEvent, project_departments, project_members
from tests.factories import make_department, make_user
from tests.projects.test_pages import a_project


def versions(*projects) -> list[int]:
    return [db.session.scalar(sa.select(Project.lists_version).where(Project.id == p.id)) for p in projects]


@pytest.fixture
def two(org):
    first, second = a_project(org), a_project(org)
    member = make_user("mo@example.com", "Mo Member", org["sales"])
    legal = make_department("Legal", "LEG")
    first.members.append(org["employee"])
    services.add_check_in(org["head"], first, date(2026, 6, 1), "Kick-off", "on_track")
    db.session.commit()
    return {"first": first, "second": second, "member": member, "legal": legal}


def change(two, what: str):
    first, members, departments = two["first"].id, project_members.c, project_departments.c
    return {
        "add a department": sa.insert(project_departments).values(project_id=first,
                                                                  department_id=two["legal"].id),
        "remove a department": sa.delete(project_departments).where(departments.project_id == first),
        "add a member": sa.insert(project_members).values(project_id=first, user_id=two["member"].id),
        "remove a member": sa.delete(project_members).where(members.project_id == first),
        "edit a check-in": sa.update(CheckIn).where(CheckIn.project_id == first).values(done="Kick-off held"),
        "remove a check-in": sa.delete(CheckIn).where(CheckIn.project_id == first),
        "add a move": sa.insert(ProjectEvent).values(project_id=first, to_status="proposed"),
        "edit a move": sa.update(ProjectEvent).where(ProjectEvent.project_id == first).values(note="Again"),
    }[what]


@pytest.mark.parametrize("what", ["add a department", "remove a department", "add a member",
                                  "remove a member", "edit a check-in", "remove a check-in", "add a move",
                                  "edit a move"])
def test_each_change_to_a_projects_lists_gives_it_a_new_version(two, what):
    before = versions(two["first"], two["second"])
    db.session.execute(change(two, what))
    db.session.commit()
    after = versions(two["first"], two["second"])
    assert after[0] != before[0]
    assert after[1] == before[1]  # the other project's page stays kept
