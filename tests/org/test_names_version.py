"""The names version: a new value whenever the app renames a department, a dimension, a person or a round
(app/versions.py)."""
from datetime import date

import sqlalchemy as sa

from app.dimensions.models import Dimension
from app.dimensions.services import seed_default_dimensions
from app.extensions import db
from app.ratings.models import Round
from app.versions import NamesVersion, names_version
from tests.factories import make_department, make_user


def changes(change) -> bool:
    before = names_version()
    change()
    db.session.commit()
    return names_version() != before


def test_each_rename_of_a_department_a_dimension_a_person_or_a_round_gives_a_new_version(app):
    finance = make_department("Finance", "FIN")
    seed_default_dimensions()
    competence = db.session.scalar(sa.select(Dimension).where(Dimension.key == "competence"))
    person = make_user("erin@example.com", "Erin Employee", finance)
    spring = Round(name="Spring", opens_on=date(2026, 3, 1), closes_on=date(2026, 3, 31))
    db.session.add(spring)
    db.session.commit()
    seen = {names_version()}
    for what, change in (("department", lambda: setattr(finance, "name", "Treasury")),
                         ("department back", lambda: setattr(finance, "name", "Finance")),  # still new
                         ("dimension", lambda: setattr(competence, "name_en", "Expertise")),
                         ("dimension in Russian", lambda: setattr(competence, "name_ru", "Экспертиза")),
                         ("person", lambda: setattr(person, "name", "Erin Employee-Smith")),
                         ("round", lambda: setattr(spring, "name", "Spring 2026"))):
        assert changes(change), what
        assert names_version() not in seen, what
        seen.add(names_version())


def test_what_renames_nothing_keeps_the_version(app):
    finance = make_department("Finance", "FIN")
    person = make_user("erin@example.com", "Erin Employee", finance)
    seed_default_dimensions()
    competence = db.session.scalar(sa.select(Dimension).where(Dimension.key == "competence"))
    db.session.commit()
    assert not changes(lambda: setattr(finance, "code", "FN"))
    assert not changes(lambda: setattr(finance, "name", finance.name))  # a form saved unchanged
    assert not changes(lambda: setattr(competence, "question_en", "How good?"))
    assert not changes(lambda: setattr(person, "email", "erin@example.org"))


def test_a_missing_version_row_comes_back_at_the_next_rename(app):
    finance = make_department("Finance", "FIN")
    db.session.execute(sa.delete(NamesVersion))
    db.session.commit()
    assert names_version() is None
    assert changes(lambda: setattr(finance, "name", "Treasury"))
    assert names_version() is not None
