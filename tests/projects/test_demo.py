"""The demo projects: every state, one that moved its metric and one that did not; loading twice adds
nothing."""
import re

import sqlalchemy as sa

from app.demo import DEMO, load_demo, load_metrics, load_projects
from app.extensions import db
from app.projects import services
from app.projects.models import Project
from tests.factories import count


def test_demo_projects(app):
    load_demo()  # the company, its rounds, metrics, projects and workshops (which start two more)
    db.session.commit()
    before = count(Project)
    load_metrics()  # loading again adds nothing
    assert load_projects() == 0 and count(Project) == before
    titles = {project["title"] for project in DEMO["projects"]}
    by_title = {p.title: p for p in db.session.scalars(sa.select(Project)) if p.title in titles}
    assert len(by_title) == 4
    assert {p.status for p in by_title.values()} == {"proposed", "active", "completed", "cancelled"}
    moved = services.progress(by_title["Resolve client requests at the first contact"])
    assert moved.state == "beyond_target" or moved.share > 0.5
    flat = services.progress(by_title["Fewer complaints about late deliveries"])
    assert flat.share is not None and flat.share < 0.5  # not even halfway: noise around a flat line
    proposed = by_title["Make Finance easy to reach for Sales"]
    assert proposed.status == "proposed" and proposed.source_dimension.key == "accessibility"
    assert proposed.source_round is not None and proposed.source_department.code == "FIN"
    assert "Finance answers the phone" in proposed.evidence
    # people's own words only: no project of the demo, those the workshops started too, stores a figure
    assert not [p.title for p in db.session.scalars(sa.select(Project)) if re.search(r"[0-9]", p.evidence)]
    assert all(len(p.departments) >= 2 for p in by_title.values())
