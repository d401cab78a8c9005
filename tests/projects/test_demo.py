"""The demo projects: every state; one that moved its metric (and its source dimension against the
others), one whose metric only follows its season and is not called moved, one too early; loading twice
adds nothing."""
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
    assert len(by_title) == 5
    assert {p.status for p in by_title.values()} == {"proposed", "active", "completed", "cancelled"}
    first_contact = by_title["Resolve client requests at the first contact"]
    moved = services.progress(first_contact)
    assert moved.state == "beyond_target" or moved.share > 0.5
    assert moved.movement.verdict == "moved"
    comparison = services.source_comparison(first_contact)
    assert comparison.verdict == "moved"  # Support took ownership of its cases; elsewhere nothing changed
    seasonal = services.progress(by_title["Fewer complaints about late deliveries"])
    assert seasonal.movement.seasonal and seasonal.movement.verdict == "did_not_move"
    early = services.progress(by_title["Answer client calls within a minute"])
    assert early.movement.verdict == "too_early" and early.movement.reason == "lag"
    proposed = by_title["Make Finance easy to reach for Sales"]
    assert proposed.status == "proposed" and proposed.source_dimension.key == "accessibility"
    assert proposed.source_round is not None and proposed.source_department.code == "FIN"
    assert "Finance answers the phone" in proposed.evidence
    # people's own words only: no project of the demo, those the workshops started too, stores a figure
    assert not [p.title for p in db.session.scalars(sa.select(Project)) if re.search(r"[0-9]", p.evidence)]
    assert all(len(p.departments) >= 2 for p in by_title.values())
