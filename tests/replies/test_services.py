"""The rules of replies, on the services: codes for every answer, the key on the released comment alone, one
reply per comment by its department's heads, released the next day, and one answer by the code's holder."""
import re

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.auth.models import User
from app.extensions import db
from app.org.models import Department
from app.ratings.models import Comment, Round
from app.ratings.reply_codes import code_hash, normalized
from app.replies import services
from app.replies.models import CommentReply
from app.replies.services import ReplyError
from tests.factories import in_parallel

CODE = re.compile(r"^([0-9A-HJKMNP-TV-Z]{4}-){4}[0-9A-HJKMNP-TV-Z]{4}$")


def comment_of(world, name) -> Comment:
    return services.find(world["codes"][name]).comment


def reply_to(world, name, kind="will_act", text="We are on it.", head=None):
    found = services.find(world["codes"][name])
    services.reply(head or world["head"], world["round"], found.department, found.comment, kind, text)
    db.session.commit()


def test_every_answer_gets_a_code_of_one_length_a_skip_too(world):
    codes = world["codes"]
    assert all(CODE.match(code) for code in codes.values())
    assert len(set(codes.values())) == len(codes)


def test_only_released_comments_carry_the_key_of_their_authors_code(world):
    keys = set(db.session.scalars(sa.select(Comment.reply_key)))
    released = {code_hash(world["codes"][name]) for name in ("erin", "dana", "lou")}
    assert keys == released  # no key for a rating without comment, a skip, or a comment under k


@pytest.mark.parametrize("typed", [str.lower, lambda c: c.replace("-", " "), lambda c: c.replace("-", ""),
                                   lambda c: f"  {c}  "])
def test_a_code_is_found_however_it_is_typed(world, typed):
    found = services.find(typed(world["codes"]["erin"]))
    assert found.comment.text == "Invoices reach us a week late."
    assert (found.department, found.round) == (world["finance"], world["round"])


def test_codes_that_open_nothing_are_all_alike(world):
    """Wrong, mistyped, without a comment, a skip's, a comment under k: nothing, the same way."""
    codes = world["codes"]
    for code in ("", "x", "0" * 20, codes["sam"], codes["sid"], codes["lea"], codes["erin_on_legal"],
                 codes["erin"][:-1], "\x00" * 20, "9" * 5000):
        assert services.find(code) is None, code
    assert normalized("o0il-" * 5) == "0011" * 5  # misread letters are read as meant


def test_a_comment_of_a_round_not_yet_published_is_not_found(world):
    world["round"].state = "closed"
    db.session.commit()
    assert services.find(world["codes"]["erin"]) is None


def test_a_head_replies_once_and_the_reply_is_dated_not_timed(world, clock):
    reply_to(world, "erin")
    reply = db.session.get(CommentReply, comment_of(world, "erin").id)
    assert (reply.kind, reply.text, reply.written_on) == ("will_act", "We are on it.", clock.day)
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "comment.reply")).one()
    assert entry.actor_id == world["head"].id and "Finance" in entry.target
    with pytest.raises(ReplyError, match="has a reply already"):
        reply_to(world, "erin", kind="fixed")
    db.session.rollback()
    assert db.session.get(CommentReply, comment_of(world, "erin").id).kind == "will_act"


@pytest.mark.parametrize("kind,text,message", [
    ("maybe", "", "Choose what the reply says"), ("fixed", "x" * 1001, "1000 characters"),
    ("fixed", "a\x00b", "NUL"),
])
def test_a_reply_that_cannot_be_kept_is_refused(world, kind, text, message):
    with pytest.raises(ReplyError, match=message):
        reply_to(world, "dana", kind=kind, text=text)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CommentReply)) == 0


def test_a_comment_released_before_replies_cannot_be_replied_to(world):
    comment = comment_of(world, "dana")
    comment.reply_key = None
    db.session.commit()
    with pytest.raises(ReplyError, match="before replies existed"):
        services.reply(world["head"], world["round"], world["finance"], comment, "fixed", "")


def test_the_reply_reaches_its_author_the_next_day_and_the_answer_the_head_the_day_after(world, clock):
    code = world["codes"]["erin"]
    assert services.find(code).reply is None
    reply_to(world, "erin")
    assert services.find(code).reply is None  # written today: released with tomorrow's batch
    with pytest.raises(ReplyError, match="no reply to answer yet"):
        services.answer(code, "Thanks")
    db.session.rollback()
    clock.next_day()
    found = services.find(code)
    assert found.reply.text == "We are on it." and found.may_answer
    assert not any(t.answer for t in services.threads(world["round"], world["finance"]))
    services.answer(code, "  Thanks — it got better this week.  ")
    db.session.commit()
    thread = next(t for t in services.threads(world["round"], world["finance"]) if t.reply)
    assert thread.reply.answer == "Thanks — it got better this week." and thread.answer is None  # tomorrow
    clock.next_day()
    thread = next(t for t in services.threads(world["round"], world["finance"]) if t.reply)
    assert thread.answer == "Thanks — it got better this week."


def test_an_answer_is_sent_once(world, clock):
    reply_to(world, "dana")
    clock.next_day()
    services.answer(world["codes"]["dana"], "First")
    db.session.commit()
    assert not services.find(world["codes"]["dana"]).may_answer
    with pytest.raises(ReplyError, match="answered already"):
        services.answer(world["codes"]["dana"], "Second")
    db.session.rollback()
    for code, text, message in ((world["codes"]["erin"], "Hi", "no reply to answer yet"),
                                ("WRONG", "Hi", "No released comment has this code"),
                                (world["codes"]["dana"], "x" * 1001, "1000 characters")):
        with pytest.raises(ReplyError, match=message):
            services.answer(code, text)
        db.session.rollback()
    assert db.session.get(CommentReply, comment_of(world, "dana").id).answer == "First"


def test_answers_sent_at_once_keep_one(app, world, clock):
    reply_to(world, "lou")
    clock.next_day()
    code, comment_id = world["codes"]["lou"], comment_of(world, "lou").id
    db.session.commit()  # the test's own session holds no write lock while they answer

    def answer(i):
        services.answer(code, f"Answer {i}")
        db.session.commit()
        return i

    outcomes = in_parallel(app, 4, answer)
    kept = [o for o in outcomes if isinstance(o, int)]
    assert len(kept) == 1, outcomes
    assert all(isinstance(o, ReplyError) for o in outcomes if o not in kept), outcomes
    db.session.expire_all()
    assert db.session.get(CommentReply, comment_id).answer == f"Answer {kept[0]}"


def test_replies_sent_at_once_keep_one(app, world):
    comment_id = comment_of(world, "erin").id
    ids = (world["round"].id, world["finance"].id, world["head"].id)
    db.session.commit()

    def reply(i):
        round_, finance, head = (db.session.get(model, id_)
                                 for model, id_ in zip((Round, Department, User), ids, strict=True))
        services.reply(head, round_, finance, db.session.get(Comment, comment_id), "fixed", f"Reply {i}")
        db.session.commit()
        return i

    outcomes = in_parallel(app, 4, reply)
    assert len([o for o in outcomes if isinstance(o, int)]) == 1, outcomes
    assert all(isinstance(o, ReplyError) for o in outcomes if not isinstance(o, int)), outcomes
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CommentReply)) == 1
