"""The demo's agreement: Finance promised Sales after the Sales–Finance tension; Spring 2026 asked Sales'
people, and its kept-rate shows on the agreement page, loaded twice or once."""
import sqlalchemy as sa
from bs4 import BeautifulSoup

from app.agreements.models import Agreement
from app.demo import DEMO_PASSWORD
from app.extensions import db
from app.ratings.models import PromiseCount, Round
from tests.factories import count
from tests.web.test_demo import database_uri, demo, demo_file  # noqa: F401 (fixtures: the demo loaded twice)


def test_the_demo_agreement_was_asked_about_in_spring_2026_and_shows_its_kept_rate(app, demo):  # noqa: F811
    agreement = db.session.scalars(sa.select(Agreement)).one()
    assert (agreement.provider.code, agreement.receiver.code, agreement.state) == ("FIN", "SAL", "in_force")
    spring = db.session.scalar(sa.select(Round).where(Round.name == "Spring 2026"))
    assert count(PromiseCount) == 2
    assert set(db.session.scalars(sa.select(PromiseCount.round_id))) == {spring.id}
    client = app.test_client()
    assert client.sign_in("head.finance@example.com", DEMO_PASSWORD).status_code == 303
    page = BeautifulSoup(client.get(f"/agreements/{agreement.id}").text, "html.parser")
    tables = page.select("table.kept-rate")
    assert len(tables) == 2
    for table in tables:
        (row,) = table.select("tbody tr")
        cells = [cell.get_text(" ", strip=True) for cell in row.select("th, td")]
        assert cells[0] == "Spring 2026" and all(c.endswith("%") for c in cells[1:4]) and int(cells[4]) >= 5
    assert [len(t.select("tbody tr")) for t in page.select("table.metric-readings")] == [5, 5]  # the latest
