"""Pages of replies through the Flask client: the heads' form under each comment on the scorecard, and the
"Replies to my comments" page, which answers the same whoever is signed in, or nobody."""
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.replies import services
from app.replies.models import CommentReply
from tests.factories import PASSWORD, page_text, posted_at_once
from tests.replies.test_services import comment_of, reply_to

NOBODY_HAS_IT = "No released comment has this code."


def scorecard(world) -> str:
    return f"/results/{world['round'].id}/departments/{world['finance'].id}"


def reply_address(world, name) -> str:
    return (f"/replies/rounds/{world['round'].id}/departments/{world['finance'].id}"
            f"/comments/{comment_of(world, name).id}")


def read(client, code):
    client.get("/replies")
    return client.post("/replies", data={"code": code})


def test_the_head_replies_under_a_comment_and_a_second_reply_is_refused_calmly(client, world):
    assert client.sign_in(world["head"].email, PASSWORD).status_code == 303
    page = page_text(client.get(scorecard(world)))
    address = reply_address(world, "erin")
    assert f'action="{address}"' in page and "Invoices reach us a week late." in page
    prefix = f"reply-{comment_of(world, 'erin').id}"
    sent = client.post(address, data={f"{prefix}-kind": "will_act",
                                      f"{prefix}-text": "We send them daily now."})
    assert sent.status_code == 303
    page = page_text(client.get(sent.headers["Location"]))
    assert "released to its author tomorrow with the day's other replies" in page
    assert "We send them daily now." in page and f'action="{address}"' not in page
    again = client.post(address, data={f"{prefix}-kind": "fixed"}, follow_redirects=True)
    assert again.status_code == 200 and "This comment has a reply already." in page_text(again)
    assert db.session.get(CommentReply, comment_of(world, "erin").id).kind == "will_act"


@pytest.mark.parametrize("data,message", [
    ({"kind": "maybe"}, "Not a valid choice"), ({"kind": "fixed", "text": "x" * 1001}, "1000 characters"),
    ({"kind": "fixed", "text": "a\x00b"}, "cannot be stored"),
])
def test_a_reply_that_cannot_be_kept_shows_why_and_changes_nothing(client, world, data, message):
    assert client.sign_in(world["head"].email, PASSWORD).status_code == 303
    prefix = f"reply-{comment_of(world, 'erin').id}"
    sent = client.post(reply_address(world, "erin"), data={f"{prefix}-{k}": v for k, v in data.items()})
    assert sent.status_code == 422 and message in page_text(sent)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CommentReply)) == 0


@pytest.mark.parametrize("who", ["facilitator", "legal_head", "erin"])
def test_only_the_departments_heads_reply(client, world, who):
    assert client.sign_in(world[who].email, PASSWORD).status_code == 303
    address = reply_address(world, "erin")
    if who == "facilitator":  # reads the comments, without a form
        page = page_text(client.get(scorecard(world)))
        assert "Invoices reach us a week late." in page and f'action="{address}"' not in page
    prefix = f"reply-{comment_of(world, 'erin').id}"
    assert client.post(address, data={f"{prefix}-kind": "fixed"}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CommentReply)) == 0


def test_a_comment_that_is_not_released_has_no_reply_address(client, world):
    assert client.sign_in(world["head"].email, PASSWORD).status_code == 303
    address = f"/replies/rounds/{world['round'].id}/departments/{world['finance'].id}/comments/{'0' * 32}"
    assert client.post(address, data={}).status_code == 404


def test_the_page_is_not_cached_and_asks_for_the_code_in_a_posted_form(client, world):
    page = client.get("/replies")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    text = page_text(page)
    assert 'method="post" action="/replies"' in text and "Your reply code" in text


@pytest.mark.parametrize("who", [None, "erin", "head", "facilitator"])
def test_whoever_holds_the_code_reads_the_reply_from_the_next_day_and_answers_once(client, world, clock, who):
    if who:
        assert client.sign_in(world[who].email, PASSWORD).status_code == 303
    code = world["codes"]["erin"]
    shown = read(client, code)
    assert shown.headers["Cache-Control"] == "no-store"
    text = page_text(shown)
    assert "Invoices reach us a week late." in text and "Finance" in text and world["round"].name in text
    assert "No reply yet" in text and 'action="/replies/answer"' not in text
    reply_to(world, "erin", text="We send them daily now.")
    assert "No reply yet" in page_text(read(client, code))  # written today: tomorrow's batch
    clock.next_day()
    text = page_text(read(client, code))
    assert "We will act" in text and "We send them daily now." in text and 'action="/replies/answer"' in text
    answered = client.post("/replies/answer", data={"code": code, "answer": "Thank you, it is better."})
    assert answered.status_code == 200 and "Your answer is sent" in page_text(answered)
    assert 'action="/replies/answer"' not in page_text(answered)
    again = client.post("/replies/answer", data={"code": code, "answer": "And again"})
    assert again.status_code == 409 and "answered already" in page_text(again)
    assert db.session.get(CommentReply, comment_of(world, "erin").id).answer == "Thank you, it is better."


def test_the_head_reads_the_answer_from_the_day_after_it_was_written(client, world, clock):
    reply_to(world, "dana")
    clock.next_day()
    services.answer(world["codes"]["dana"], "Thanks, calls are answered now.")
    db.session.commit()
    assert client.sign_in(world["head"].email, PASSWORD).status_code == 303
    assert "Thanks, calls are answered now." not in page_text(client.get(scorecard(world)))
    clock.next_day()
    page = page_text(client.get(scorecard(world)))
    assert "The author's answer" in page and "Thanks, calls are answered now." in page


def test_a_reader_without_a_reply_form_sees_each_reply_and_answer_as_it_is_released(client, world, clock):
    assert client.sign_in(world["facilitator"].email, PASSWORD).status_code == 303
    page = page_text(client.get(scorecard(world)))  # drawn, and kept while nothing it shows changes
    assert "Nobody answers the phone after four." in page and "We pick up until six now." not in page
    reply_to(world, "dana", text="We pick up until six now.")
    page = page_text(client.get(scorecard(world)))
    assert "We pick up until six now." in page and "released to its author tomorrow" in page
    clock.next_day()
    services.answer(world["codes"]["dana"], "Thanks, calls are answered now.")
    db.session.commit()
    page = page_text(client.get(scorecard(world)))
    assert "released to its author tomorrow" not in page and "Thanks, calls are answered now." not in page
    clock.next_day()
    assert "Thanks, calls are answered now." in page_text(client.get(scorecard(world)))


@pytest.mark.parametrize("code", ["", "WRONG", "0000-0000-0000-0000-0000", "x" * 5000, "a\x00b", "sam", "sid",
                                  "lea", "erin_on_legal"])
def test_every_code_that_opens_nothing_gets_the_same_message(client, world, code):
    code = world["codes"].get(code, code)
    text = page_text(read(client, code))
    if code:  # an empty field is asked for, as any empty field
        assert NOBODY_HAS_IT in text or "cannot be stored" in text
    assert "Your comment on" not in text


def test_an_answer_that_cannot_be_kept_is_refused_with_the_form_again(client, world, clock):
    reply_to(world, "erin")
    clock.next_day()
    code = world["codes"]["erin"]
    for answer, message in (("", "Write your answer first."), ("x" * 1001, "1000 characters"),
                            ("a\x00b", "cannot be stored")):
        sent = client.post("/replies/answer", data={"code": code, "answer": answer})
        assert sent.status_code == 422 and message in page_text(sent), answer
        assert 'action="/replies/answer"' in page_text(sent)
    wrong = client.post("/replies/answer", data={"code": "WRONG", "answer": "Hi"})
    assert NOBODY_HAS_IT in page_text(wrong)
    assert db.session.get(CommentReply, comment_of(world, "erin").id).answer is None


def test_the_rating_list_and_you_said_we_did_link_to_the_replies(client, world):
    assert client.sign_in(world["erin"].email, PASSWORD).status_code == 303
    assert 'href="/replies"' in page_text(client.get("/you-said"))
    assert 'href="/replies"' in page_text(client.get(f"/rounds/{world['round'].id}/rate"))


def test_replies_and_answers_posted_at_once_keep_one_each(app, world, clock):
    """A double click, or several tabs: every copy answers calmly, and one reply and one answer are kept."""
    prefix = f"reply-{comment_of(world, 'erin').id}"
    _browsers, sent = posted_at_once(app, world["head"], reply_address(world, "erin"),
                                     {f"{prefix}-kind": "fixed", f"{prefix}-text": "Done"})
    assert [response.status_code for response in sent] == [303] * 4
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CommentReply)) == 1
    clock.next_day()
    _browsers, sent = posted_at_once(app, world["erin"], "/replies/answer",
                                     {"code": world["codes"]["erin"], "answer": "Thanks"})
    assert sorted(response.status_code for response in sent) == [200, 409, 409, 409]
    db.session.expire_all()
    assert db.session.get(CommentReply, comment_of(world, "erin").id).answer == "Thanks"
