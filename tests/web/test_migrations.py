"""The migrations build exactly the tables the models describe, and go down and up again cleanly."""
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


def test_0012_staged_uploads_go_down_and_up_with_their_rules(app, org):
    """0012 adds the table of checked uploads waiting for a confirm; going down drops them with it."""
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
    downgrade(directory=MIGRATIONS, revision="0011")
    with db.engine.connect() as connection:
        assert "staged_uploads" not in db.inspect(connection).get_table_names()
    upgrade(directory=MIGRATIONS)
    assert differences() == [] and count(StagedUpload) == 0
    db.session.add(StagedUpload(key="odd", kind="projects", user_id=admin_id, created_at=utcnow(), text=""))
    with pytest.raises(sa.exc.IntegrityError):  # only the imports that stage files
        db.session.flush()
