"""The names version: the database gives it a new value whenever a department, a dimension, a person or a
round is renamed."""
from datetime import date

import sqlalchemy as sa

from app.dimensions.services import seed_default_dimensions
from app.extensions import db
from app.org.models import NAMES_VERSION, NamesVersion
from app.ratings.models import Round
from tests.factories import make_department, make_user


def version():
    return db.session.scalar(sa.select(NAMES_VERSION))


def changes(sql: str, **params) -> bool:
    before = version()
    db.session.execute(sa.text(sql), params)
    db.session.commit()
    return version() != before


def test_each_rename_of_a_department_a_dimension_a_person_or_a_round_gives_a_new_version(app):
    finance = make_department("Finance", "FIN")
    seed_default_dimensions()
    person = make_user("erin@example.com", "Erin Employee", finance)
    spring = Round(name="Spring", opens_on=date(2026, 3, 1), closes_on=date(2026, 3, 31))
    db.session.add(spring)
    db.session.commit()
    seen = {version()}
    for sql in ("UPDATE departments SET name = 'Treasury' WHERE id = :id",
                "UPDATE departments SET name = 'Finance' WHERE id = :id",  # back: still a new value
                "UPDATE dimensions SET name_en = 'Expertise' WHERE key = 'competence'",
                "UPDATE dimensions SET name_ru = 'Экспертиза' WHERE key = 'competence'",
                "UPDATE users SET name = 'Erin Employee-Smith' WHERE id = :person",
                "UPDATE rounds SET name = 'Spring 2026' WHERE id = :round"):
        assert changes(sql, id=finance.id, person=person.id, round=spring.id), sql
        assert version() not in seen, sql
        seen.add(version())


def test_what_renames_nothing_keeps_the_version(app):
    finance = make_department("Finance", "FIN")
    seed_default_dimensions()
    db.session.commit()
    assert not changes("UPDATE departments SET code = 'FN' WHERE id = :id", id=finance.id)
    assert not changes("UPDATE departments SET name = 'Finance' WHERE id = :id", id=finance.id)
    assert not changes("UPDATE dimensions SET question_en = 'How good?' WHERE key = 'competence'")
    assert not changes("UPDATE users SET email = 'erin@example.org'")


def test_a_missing_version_row_comes_back_at_the_next_rename(app):
    finance = make_department("Finance", "FIN")
    db.session.execute(sa.delete(NamesVersion))
    db.session.commit()
    assert version() is None
    assert changes("UPDATE departments SET name = 'Treasury' WHERE id = :id", id=finance.id)
    assert version() is not None
