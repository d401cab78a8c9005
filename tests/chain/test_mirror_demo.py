"""The demo's client survey shows the mirror one clear blind spot: competence, which its people rate far
higher than its clients do; loading again writes the same readings, not more."""
import sqlalchemy as sa

from app.chain.mirror import mirror
from app.demo import load_client_survey, load_demo
from app.extensions import db
from app.metrics.models import Reading
from app.ratings.models import Round
from tests.factories import count


def test_the_demo_mirror_shows_one_blind_spot(app):
    load_demo()
    db.session.commit()
    before = count(Reading)
    load_client_survey()
    assert count(Reading) == before
    round_ = db.session.scalar(sa.select(Round).where(Round.name == "Spring 2026"))
    rows = mirror(round_).rows
    assert [(row.dimension.key, row.flag) for row in rows if row.flag] == [("competence", "blind_spot")]
    assert sum(row.others is not None for row in rows) == 4
