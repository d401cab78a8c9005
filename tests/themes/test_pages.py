"""Pages of themes through the Flask client: admins' keyword pages, a comment's theme corrected, the
scorecard's "What the comments talk about" (a theme of k comments shown, of k − 1 not), refusals."""
import pytest

from app.extensions import db
from app.themes import services
from app.themes.models import CommentTheme, ThemeKeyword
from tests.factories import PASSWORD, count, make_user, page_text
from tests.reports.test_results import company, survey  # noqa: F401  (the rating fixture and helper)
from tests.themes.test_services import COMMENTS

HTMX = {"HX-Request": "true"}


@pytest.fixture
def people(company):  # noqa: F811
    """An admin who also facilitates (may read comments), an admin who only administers, a head of Finance."""
    found = {"admin": make_user("ada@example.com", "Ada Admin", is_admin=True, is_facilitator=True),
             "plain_admin": make_user("pam@example.com", "Pam Admin", is_admin=True),
             "head": make_user("hal@example.com", "Hal Head", company["FIN"], head_of=[company["FIN"]])}
    db.session.commit()
    return {**company, **found}


def sign_in(client, person):
    client.post("/logout")
    assert client.sign_in(person.email, PASSWORD).status_code == 303


def published(company, comments):  # noqa: F811
    s = survey(company, k=3)
    s.rate(company["SAL"], company["FIN"], [3] * len(comments), comments=comments)
    return s.publish()


def test_an_admin_adds_and_removes_a_keyword_by_plain_posts(client, people):
    sign_in(client, people["plain_admin"])
    page = page_text(client.get("/themes"))
    assert "Reliability" in page and "deadline" in page and "сроки" in page
    response = client.post("/themes/dimension/tangibles", data={"theme": "dimension:tangibles",
                                                                "word": "Coffee"})
    assert response.status_code == 303
    assert "Keyword “coffee” added." in page_text(client.get(response.headers["Location"]))
    keyword_id = db.session.scalar(db.select(ThemeKeyword.id).where(ThemeKeyword.word == "coffee"))
    response = client.post(f"/themes/keywords/{keyword_id}/remove", follow_redirects=True)
    assert "Keyword “coffee” removed." in page_text(response)
    assert count(ThemeKeyword, ThemeKeyword.word == "coffee") == 0
    response = client.post(f"/themes/keywords/{keyword_id}/remove", follow_redirects=True)  # a second click
    assert "That keyword is no longer there." in page_text(response)


@pytest.mark.parametrize("word,message", [("bad\x00", "cannot be stored"), ("x" * 41, "at most 40"),
                                          ("two words", "one word"), ("late", "already a keyword"),
                                          ("", "Write the keyword.")])
def test_a_bad_keyword_is_refused_on_the_page(client, people, word, message):
    sign_in(client, people["plain_admin"])
    before = count(ThemeKeyword)
    response = client.post("/themes/dimension/reliability", data={"theme": "dimension:reliability",
                                                                  "word": word})
    assert response.status_code == 422 and message in page_text(response)
    assert count(ThemeKeyword) == before


def test_an_unknown_theme_is_not_found(client, people):
    sign_in(client, people["plain_admin"])
    assert client.get("/themes/dimension/punctuality").status_code == 404
    assert client.post("/themes/keywords/999999/remove", follow_redirects=True).status_code == 200


@pytest.mark.parametrize("who", ["head", "facilitator"])
def test_keyword_pages_are_for_admins_only(client, people, who):
    sign_in(client, people[who])
    assert client.get("/themes").status_code == 403
    assert client.get("/themes/dimension/tangibles").status_code == 403
    assert client.post("/themes/dimension/tangibles", data={"word": "coffee"}).status_code == 403
    keyword = db.session.scalars(db.select(ThemeKeyword)).first()
    assert client.post(f"/themes/keywords/{keyword.id}/remove").status_code == 403
    assert "Comment themes" not in page_text(client.get("/"))


def test_the_scorecard_shows_a_theme_of_k_comments_and_folds_the_rest(client, people):
    round_ = published(people, COMMENTS)
    sign_in(client, people["head"])
    page = page_text(client.get(f"/results/{round_.id}/departments/{people['FIN'].id}"))
    assert "What the comments talk about" in page
    assert "Reliability: 3 comments" in page
    assert "other themes (fewer than 3 comments each)" in page and "Courtesy" not in page.split(
        "What the comments talk about")[1]
    assert "Correct the themes of these comments" not in page  # a head, not an admin


def test_the_scorecards_themes_follow_a_dimensions_new_name_and_a_keyword_removed(client, people):
    round_ = published(people, COMMENTS)
    sign_in(client, people["head"])
    scorecard = f"/results/{round_.id}/departments/{people['FIN'].id}"
    assert "Reliability: 3 comments" in page_text(client.get(scorecard))  # drawn, and kept
    reliability = services.subject_named("dimension:reliability")
    reliability.item.name_en = "Dependability"
    db.session.commit()
    assert "Dependability: 3 comments" in page_text(client.get(scorecard))
    for keyword in reliability.theme.keywords:
        db.session.delete(keyword)
    db.session.commit()
    assert "Dependability: 3" not in page_text(client.get(scorecard))


def test_the_scorecard_does_not_show_a_theme_of_k_minus_one_comments(client, people):
    round_ = published(people, COMMENTS[1:])
    sign_in(client, people["head"])
    page = page_text(client.get(f"/results/{round_.id}/departments/{people['FIN'].id}"))
    assert "No theme is talked about by 3 or more comments." in page and "Reliability: 2" not in page


def comment_of(round_, department, text):
    return next(c for c in services.RoundResults(round_).released_comments(department.id) if c.text == text)


def test_an_admin_who_reads_the_comments_corrects_one(client, people):
    round_ = published(people, COMMENTS)
    rude = comment_of(round_, people["FIN"], "The manager was rude to us.")
    sign_in(client, people["admin"])
    base = f"/themes/comments/{round_.id}/{people['FIN'].id}"
    scorecard = page_text(client.get(f"/results/{round_.id}/departments/{people['FIN'].id}"))
    assert "Correct the themes of these comments" in scorecard
    page = page_text(client.get(base))
    assert "The manager was rude to us." in page
    response = client.post(f"{base}/{rude.id}", data={f"c{rude.id}-theme": "dimension:reliability"})
    assert response.status_code == 303
    assert db.session.get(CommentTheme, rude.id).theme_id == \
        services.subject_named("dimension:reliability").theme.id
    assert "Reliability: 4 comments" in page_text(client.get(f"/results/{round_.id}/departments/"
                                                             f"{people['FIN'].id}"))
    for bad in ("dimension:punctuality", "x\x00", "1" * 200):
        response = client.post(f"{base}/{rude.id}", data={f"c{rude.id}-theme": bad})
        assert response.status_code == 422
        assert "There is no such theme." in page_text(response) or "cannot be stored" in page_text(response)
    assert client.post(f"{base}/{'0' * 32}", data={}).status_code == 404


@pytest.mark.parametrize("who", ["plain_admin", "head", "facilitator"])
def test_a_comments_theme_is_corrected_only_by_an_admin_who_may_read_it(client, people, who):
    round_ = published(people, COMMENTS)
    rude = comment_of(round_, people["FIN"], "The manager was rude to us.")
    sign_in(client, people[who])
    base = f"/themes/comments/{round_.id}/{people['FIN'].id}"
    assert client.get(base).status_code == 403
    assert client.post(f"{base}/{rude.id}", data={f"c{rude.id}-theme": "none"}).status_code == 403
    assert count(CommentTheme) == 0
