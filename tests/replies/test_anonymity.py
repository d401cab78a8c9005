"""Proofs that nothing links a reply, or whoever reads it, to a person (docs/ANONYMITY.md, "Replies").

The code is kept nowhere: not in any table, at any step; its hash travels sealed in the ballot and then sits
on the released comment alone. Reading and answering write nothing but the answer: no audit entry, no
session value, the same whoever is signed in. A skip and a rating with a comment are thanked alike."""
import logging
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.ratings import services as ratings
from app.ratings.reply_codes import code_hash, normalized
from app.replies.models import CommentReply
from tests.factories import PASSWORD, link, make_department, make_user
from tests.ratings.test_services import add_dimensions, asked, same_scores, start_round
from tests.replies.test_services import comment_of, reply_to

CODE_IN_FLASH = re.compile(r"([0-9A-Z]{4}(?:-[0-9A-Z]{4}){4})")


def every_text() -> dict[str, list[str]]:
    """Every text value of every table, by table."""
    found = {}
    for table in db.metadata.sorted_tables:
        found[table.name] = [str(value) for row in db.session.execute(sa.select(table))
                             for value in row if isinstance(value, str)]
    db.session.commit()
    return found


def tables_holding(needle: str) -> set[str]:
    return {table for table, texts in every_text().items() if any(needle in text for text in texts)}


def assert_code_kept_nowhere(code: str) -> None:
    assert not tables_holding(code) and not tables_holding(normalized(code))


def row_counts() -> dict[str, int]:
    counts = {table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
              for table in db.metadata.sorted_tables}
    db.session.commit()
    return counts


def test_while_the_round_is_open_neither_the_code_nor_its_hash_is_readable_anywhere(app):
    add_dimensions(2)
    finance, sales = make_department("Finance", "FIN"), make_department("Sales", "SAL")
    link(finance, sales)
    round_ = start_round(make_user(is_facilitator=True, password=None), [finance, sales], k=3)
    seller = make_user(department=sales, password=None)
    code = ratings.submit(seller, round_, ratings.find_target(seller, round_, f"d{finance.id}"),
                          same_scores(round_, 3), "Slow invoices")
    db.session.commit()
    assert_code_kept_nowhere(code)
    assert not tables_holding(code_hash(code))  # inside the sealed ballot only


def test_after_closing_the_code_is_nowhere_and_its_hash_only_on_the_comment(world):
    for name, code in world["codes"].items():
        assert_code_kept_nowhere(code)
        assert tables_holding(code_hash(code)) == ({"comments"} if name in ("erin", "dana", "lou") else set())


def test_the_replies_table_names_no_person_and_no_time(app):
    inspector = sa.inspect(db.engine)
    assert {fk["referred_table"] for fk in inspector.get_foreign_keys("comment_replies")} == {"comments"}
    for column in inspector.get_columns("comment_replies"):
        assert not isinstance(column["type"], sa.DateTime | sa.Time), column["name"]  # days only
    referred = {fk["referred_table"] for fk in inspector.get_foreign_keys("comments")}
    assert referred <= {"rounds", "departments"}


@pytest.mark.parametrize("who", [None, "erin", "head", "legal_head"])  # nobody, the author, others
def test_reading_and_answering_write_nothing_but_the_answer_whoever_is_signed_in(client, world, clock, who):
    reply_to(world, "erin")
    clock.next_day()
    if who:
        assert client.sign_in(world[who].email, PASSWORD).status_code == 303
    client.get("/replies")
    with client.session_transaction() as session:
        before_session = dict(session)
    before = row_counts()
    reply_row = db.session.get(CommentReply, comment_of(world, "erin").id)
    written = (reply_row.kind, reply_row.text, reply_row.written_on)
    db.session.commit()
    code = world["codes"]["erin"]
    assert client.post("/replies", data={"code": code}).status_code == 200
    assert client.post("/replies", data={"code": "WRONG-CODE"}).status_code == 200
    assert client.post("/replies/answer", data={"code": code, "answer": "Better now."}).status_code == 200
    assert row_counts() == before  # no audit entry, no notice, nothing but the answer
    with client.session_transaction() as session:
        assert dict(session) == before_session
    reply_row = db.session.get(CommentReply, comment_of(world, "erin").id)
    assert (reply_row.kind, reply_row.text, reply_row.written_on) == written
    assert (reply_row.answer, reply_row.answered_on) == ("Better now.", clock.day)
    for code_ in world["codes"].values():
        assert_code_kept_nowhere(code_)


def test_reading_and_answering_log_nothing_of_the_code(client, world, clock, caplog):
    reply_to(world, "erin")
    clock.next_day()
    code = world["codes"]["erin"]
    with caplog.at_level(logging.DEBUG):
        client.get("/replies")
        client.post("/replies", data={"code": code})
        client.post("/replies/answer", data={"code": code, "answer": "Better now."})
    assert normalized(code) not in caplog.text and code not in caplog.text
    assert code_hash(code) not in caplog.text


def test_a_skip_and_a_rating_with_a_comment_are_thanked_with_messages_of_one_length(app, world):
    """The flash (kept in the session cookie until the list shows it) carries a code for both."""
    round_ = start_round(world["facilitator"], [world["finance"], world["sales"]], k=3, name="Summer")
    db.session.commit()
    messages = {}
    rating = {**{f"d{d}": "4" for d in asked(round_)}, "comment": "A long comment. " * 60}
    for name, data in (("skip", {"skip": "1"}), ("rate", rating)):
        browser = app.test_client()
        who = make_user(f"{name}@example.com", department=world["sales"])
        db.session.commit()
        assert browser.sign_in(who.email, PASSWORD).status_code == 303
        sent = browser.post(f"/rounds/{round_.id}/rate/d{world['finance'].id}", data=data)
        assert sent.status_code == 303
        with browser.session_transaction() as session:
            [(category, message)] = session["_flashes"]
        assert category == "success" and CODE_IN_FLASH.search(message)
        messages[name] = message
    assert len(messages["skip"]) == len(messages["rate"])
    assert CODE_IN_FLASH.sub("", messages["skip"]) == CODE_IN_FLASH.sub("", messages["rate"])
