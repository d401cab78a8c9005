"""The migrations build exactly the tables the models describe, and go down and up again cleanly."""
from datetime import date

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from app.extensions import db
from tests.conftest import MIGRATIONS


def differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_models_and_migrations_agree(app):
    assert differences() == []


def test_single_head_with_date_prefixed_files(app):
    scripts = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config(MIGRATIONS))
    assert len(scripts.get_heads()) == 1
    for revision in scripts.walk_revisions():
        name = revision.path.rsplit("/", 1)[-1]
        assert name[:8].isdigit() and name[8] == "_", name


def test_upgrade_downgrade_upgrade(app):
    db.session.remove()
    downgrade(directory=MIGRATIONS, revision="base")
    with db.engine.connect() as connection:
        tables = set(db.inspect(connection).get_table_names()) - {"alembic_version"}
    assert tables == set()
    upgrade(directory=MIGRATIONS)
    assert differences() == []


def test_answers_waiting_in_an_open_round_survive_0011_down_and_up(app):
    """0011 seals waiting ballots whole: going down and up again keeps every answer, still countable."""
    from app.ratings import services
    from app.ratings.models import BallotCount, PendingBallot, Round
    from app.ratings.sealing import unseal
    from tests.factories import count, link, make_department, make_user
    from tests.ratings.test_services import add_dimensions, person, rate, same_scores, start_round

    add_dimensions(3)
    finance, sales = make_department("Finance", "FIN"), make_department("Sales", "SAL")
    link(finance, sales)
    facilitator = make_user(is_facilitator=True, password=None)
    sellers = [person(sales) for _ in range(4)]
    db.session.commit()
    round_ = start_round(facilitator, [finance, sales], k=3)
    round_id, target, finance_id, sales_id = round_.id, f"d{finance.id}", finance.id, sales.id
    for seller in sellers[:3]:
        rate(seller, round_, target, same_scores(round_, 2), "slow invoices")
    services.skip(sellers[3], round_, services.find_target(sellers[3], round_, target))
    db.session.commit()
    db.session.remove()
    downgrade(directory=MIGRATIONS, revision="0010")
    with db.engine.connect() as connection:
        old = connection.execute(db.text(
            "SELECT rater_department_id, target_kind, target_department_id FROM pending_ballots")).all()
    assert sorted(old) == [(sales_id, "service", finance_id)] * 3  # the skip, never counted, is gone
    upgrade(directory=MIGRATIONS)
    assert count(PendingBallot) == 3
    opened = [unseal(s) for s in db.session.scalars(db.select(PendingBallot.sealed))]
    assert {(b["kind"], b["target"], b["comment"]) for b in opened} == {
        ("service", finance_id, "slow invoices")}
    services.close_round(db.session.merge(facilitator), db.session.get(Round, round_id))
    db.session.commit()
    assert db.session.get(BallotCount, (round_id, sales_id, "service", finance_id)).ballots == 3


def test_0012_clears_the_figures_the_app_wrote_into_projects_evidence(app, org):
    """Texts the app wrote (a weak spot's, a workshop card's; English or Russian, under a round renamed
    since too) are cleared on projects with a source round; people's own words and projects without a
    source round keep theirs."""
    from app.projects.models import Project
    from app.ratings import services as ratings
    from tests.factories import make_department

    autumn = ratings.save_round(org["facilitator"], None, "Autumn", date(2026, 9, 1), date(2026, 9, 30), 3,
                                [org["finance"], org["sales"]])
    texts = {
        "weak spot": ("Autumn: others rate Finance on Accessibility 4.0 from 3 raters; the department's own "
                      "view: 2.0 from 3 raters."),
        "weak spot, in Russian": ("Autumn: оценка отдела «Finance» другими отделами по критерию "
                                  "«Доступность» — 4,0 (оценивших: 3); самооценка отдела — 2,0 "
                                  "(оценивших: 3)."),
        "renamed round": ("Autumn 2026 (pilot): others rate Finance on Accessibility 4.0 from 3 raters; the "
                          "department's own view: not enough responses. We also hear it from clients."),
        "workshop card": ("From the workshop Finance meets Sales on 2026-10-01: 3 dots. Autumn: others rate "
                          "Finance on Accessibility 4.0 from 3 raters; the department's own view: 2.0 from 3 "
                          "raters."),
        "workshop card, in Russian": "Из воркшопа «Finance meets Sales» от 2026-10-01: 3 голоса.",
        "own words": "Sales wait 3 days for an answer: others rate us low, they say.",
    }
    legal = make_department("Legal", "LEG")
    for title, text in texts.items():
        db.session.add(Project(title=title, evidence=text, owner_department=org["finance"], status="proposed",
                               source_round=autumn, source_department=org["finance"]))
    db.session.add(Project(title="no source round", evidence=texts["workshop card, in Russian"],
                           owner_department=legal, status="proposed"))
    db.session.commit()
    db.session.remove()
    downgrade(directory=MIGRATIONS, revision="0011")
    upgrade(directory=MIGRATIONS)
    evidence = dict(db.session.execute(db.select(Project.title, Project.evidence)).all())
    assert evidence == {**{title: "" for title in texts}, "own words": texts["own words"],
                        "no source round": texts["workshop card, in Russian"]}


def test_0013_staged_uploads_go_down_and_up_with_their_rules(app, org):
    """0013 adds the table of checked uploads waiting for a confirm; going down drops them with it."""
    import pytest
    import sqlalchemy as sa

    from app.time import utcnow
    from app.web.models import StagedUpload
    from tests.factories import count

    admin_id = org["admin"].id
    db.session.add(StagedUpload(key="waiting", kind="people", user_id=admin_id, created_at=utcnow(),
                                text="name,email\n"))
    db.session.commit()
    db.session.remove()
    downgrade(directory=MIGRATIONS, revision="0012")
    with db.engine.connect() as connection:
        assert "staged_uploads" not in db.inspect(connection).get_table_names()
    upgrade(directory=MIGRATIONS)
    assert differences() == [] and count(StagedUpload) == 0
    db.session.add(StagedUpload(key="odd", kind="projects", user_id=admin_id, created_at=utcnow(), text=""))
    with pytest.raises(sa.exc.IntegrityError):  # only the imports that stage files
        db.session.flush()


def test_0014_keeps_the_readings_a_started_projects_baseline_came_from(app, org):
    """Projects started before 0014 get the last three readings before their start, as they are now."""
    from datetime import timedelta

    from app.metrics.models import Metric, Reading
    from app.projects import services
    from app.projects.models import BaselineReading

    metric = Metric(name="NPS", direction="higher", unit="")
    db.session.add(metric)
    start = date(2026, 6, 1)
    for days, value in ((120, 1), (90, 30), (60, 32), (30, 34), (0, 99)):  # 99 on the start day: not before
        db.session.add(Reading(metric=metric, taken_on=start - timedelta(days=days), value=value))
    data = services.ProjectData(title="Faster invoices", owner_department=org["finance"],
                                departments=[org["sales"]], metric=metric, target_value=40.0,
                                target_date=date(2027, 1, 1))
    started = services.save_project(org["head"], None, data)
    services.move(org["head"], started, "start", on=start)
    services.save_project(org["head"], None, data)  # proposed: no baseline
    db.session.commit()
    started_id = started.id
    db.session.remove()
    downgrade(directory=MIGRATIONS, revision="0013")
    upgrade(directory=MIGRATIONS)
    kept = db.session.execute(db.select(BaselineReading.project_id, BaselineReading.value)
                              .order_by(BaselineReading.taken_on)).all()
    assert kept == [(started_id, 30), (started_id, 32), (started_id, 34)]


def test_0017_keeps_the_baseline_rule_as_its_number_of_readings_whatever_language_it_was_written_in(app, org):
    """The sentences the app wrote, in English or Russian, become the number they name; a started project
    with another text gets the only rule there has been; a proposed one none. Down again: English."""
    from app.projects.models import Project

    rules = {"English": "mean of the last 3 readings before the start",
             "Russian": "среднее последних замеров до начала (учтено замеров: 2)",
             "other": "something else", "proposed": ""}
    for title in rules:
        db.session.add(Project(title=title, owner_department=org["finance"], status="proposed",
                               baseline=None if title == "proposed" else 1.0))
    db.session.commit()
    db.session.remove()
    downgrade(directory=MIGRATIONS, revision="0016")
    with db.engine.begin() as connection:
        for title, text in rules.items():
            connection.execute(sa.text("UPDATE projects SET baseline_rule = :text WHERE title = :title"),
                               {"text": text, "title": title})
    upgrade(directory=MIGRATIONS)
    windows = dict(db.session.execute(sa.select(Project.title, Project.baseline_window)).all())
    assert windows == {"English": 3, "Russian": 2, "other": 3, "proposed": None}
    db.session.remove()
    downgrade(directory=MIGRATIONS, revision="0016")
    with db.engine.connect() as connection:
        written = dict(connection.execute(sa.text("SELECT title, baseline_rule FROM projects")).all())
    assert written == {"English": "mean of the last 3 readings before the start",
                       "Russian": "mean of the last 2 readings before the start",
                       "other": "mean of the last 3 readings before the start", "proposed": ""}
    upgrade(directory=MIGRATIONS)
    assert differences() == []


def test_0018_stops_on_department_names_that_differ_only_in_letter_case_and_changes_nothing(app, capfd):
    """Which of two case-twins keeps its name is the admin's choice: the upgrade names them and changes
    nothing; once one is renamed it goes ahead and keys every name by its Unicode case folding."""
    import pytest

    db.session.remove()
    downgrade(directory=MIGRATIONS, revision="0017")
    with db.engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO departments (name, code) VALUES ('Финансы', 'FIN'), "
                                   "('ФИНАНСЫ ', 'FIN2'), ('Sales', 'SAL')"))
    with pytest.raises(SystemExit):  # Flask-Migrate logs the error and exits
        upgrade(directory=MIGRATIONS)
    assert ('these do not: "Финансы" (FIN) and "ФИНАНСЫ " (FIN2). Rename one of each, then upgrade again; '
            'nothing was changed.') in capfd.readouterr().err
    with db.engine.begin() as connection:
        assert connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "0017"
        assert "name_key" not in {c["name"] for c in db.inspect(connection).get_columns("departments")}
        assert "form_token" not in {c["name"] for c in db.inspect(connection).get_columns("projects")}
        connection.execute(sa.text("UPDATE departments SET name = 'Финансы (Москва)' WHERE code = 'FIN2'"))
    upgrade(directory=MIGRATIONS)
    with db.engine.connect() as connection:
        keys = dict(connection.execute(sa.text("SELECT code, name_key FROM departments")).all())
    assert keys == {"FIN": "финансы", "FIN2": "финансы (москва)", "SAL": "sales"}
    assert differences() == []


def test_0031_going_down_gives_each_ended_agreement_back_what_it_was_before_it_ended(app, org):
    """Nothing below 0031 can be ended: an ended agreement that was confirmed is in force again, a withdrawn
    draft a draft again; every agreement, promise and count stays."""
    from app.agreements import services
    from app.dimensions.services import ordered, seed_default_dimensions
    from app.metrics.models import Metric

    seed_default_dimensions()
    metric = Metric(name="NPS", direction="higher")
    db.session.add(metric)
    promise = [services.PromiseData("Invoices by the 3rd", ordered()[0], metric)]
    ended, withdrawn = (services.draft(org["head"], org["finance"], org["sales"], promise) for _ in range(2))
    services.confirm(org["sales_head"], ended)
    for agreement in (ended, withdrawn):
        services.end(org["admin"], agreement)
    db.session.commit()
    db.session.remove()
    downgrade(directory=MIGRATIONS, revision="0030")
    with db.engine.connect() as connection:
        states = connection.execute(sa.text("SELECT state, confirmed_at IS NOT NULL FROM agreements "
                                            "ORDER BY id")).all()
        assert connection.execute(sa.text("SELECT count(*) FROM promises")).scalar() == 2
    assert states == [("in_force", True), ("draft", False)]
    upgrade(directory=MIGRATIONS)
    assert differences() == []
