"""A published round in which sellers commented on Finance, each keeping the reply code they were given; and
the replies' clock, moved day by day."""
from datetime import date, datetime

import pytest

from app.extensions import db
from app.ratings import services
from tests.factories import link, make_department, make_user
from tests.ratings.test_services import add_dimensions, close, person, publish, same_scores, start_round

WRITTEN = date(2027, 2, 1)  # the day a head replies in these tests


class Clock:
    """The day app.replies sees (its `utcnow`), moved as days pass."""

    def __init__(self, monkeypatch):
        self.day = WRITTEN
        monkeypatch.setattr("app.replies.services.utcnow",
                            lambda: datetime.combine(self.day, datetime.min.time()))

    def next_day(self) -> None:
        self.day = date.fromordinal(self.day.toordinal() + 1)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


def answer_all(round_, answers) -> dict[str, str]:
    """Each (name, person, key, comment or None for a skip) answered as the page does; their codes by name."""
    codes = {}
    for name, who, key, comment in answers:
        target = services.find_target(who, round_, key)
        codes[name] = (services.skip(who, round_, target) if comment is None
                       else services.submit(who, round_, target, same_scores(round_, 4), comment))
        db.session.commit()
    return codes


@pytest.fixture
def world(app, clock):
    """Finance serves Sales and Legal; k = 3. Four sellers rate Finance — Erin and Dana with comments, Sam
    without — and Sid skips it; two lawyers rate Finance too, one commenting. Legal is rated by one seller
    with a comment: under k, never released. Closed and published."""
    add_dimensions(2)
    finance, sales, legal = make_department("Finance", "FIN"), make_department("Sales", "SAL"), \
        make_department("Legal", "LEG")
    link(finance, sales)
    link(finance, legal)
    link(legal, sales)
    facilitator = make_user("fac@example.com", "Fay Facilitator", is_facilitator=True)
    head = make_user("head@example.com", "Hana Head", finance, head_of=[finance])
    legal_head = make_user("legal.head@example.com", "Lee Head", legal, head_of=[legal])
    erin = make_user("erin@example.com", "Erin Seller", sales)
    people = {"erin": erin, "dana": person(sales), "sam": person(sales), "sid": person(sales),
              "lou": person(legal), "lea": person(legal)}
    round_ = start_round(facilitator, [finance, sales, legal], k=3)
    key = f"d{finance.id}"
    codes = answer_all(round_, [
        ("erin", people["erin"], key, "Invoices reach us a week late."),
        ("dana", people["dana"], key, "Nobody answers the phone after four."),
        ("sam", people["sam"], key, ""),
        ("sid", people["sid"], key, None),
        ("lou", people["lou"], key, "Contracts wait for Finance's signature."),
        ("lea", people["lea"], key, ""),
        ("erin_on_legal", people["erin"], f"d{legal.id}", "Legal is slow to read contracts."),
    ])
    close(facilitator, round_)
    publish(facilitator, round_)
    return {"round": round_, "finance": finance, "sales": sales, "legal": legal, "head": head,
            "legal_head": legal_head, "facilitator": facilitator, "codes": codes, **people}
