"""Service dimensions: the nine of the source, and how an admin adds, edits, orders and retires them."""
import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from app.audit.models import AuditEntry
from app.dimensions.models import Dimension
from app.dimensions.services import DimensionError, ordered, seed_default_dimensions, set_retired
from app.extensions import db
from tests.factories import PASSWORD, audit_count, audited, count, page_text

KEYS = ["competence", "accessibility", "courtesy", "reliability", "security", "responsibility",
        "communication", "understanding", "tangibles"]
HTMX = {"HX-Request": "true"}


def keys(include_retired: bool = True) -> list[str]:
    return [d.key for d in ordered(include_retired)]


def dimension(key: str) -> Dimension:
    return db.session.scalar(sa.select(Dimension).where(Dimension.key == key))


def listed(response) -> list[tuple[str, bool]]:
    """The dimensions in the list as shown: (name, retired?)."""
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return [(row.select_one("td strong").get_text(), "inactive" in (row.get("class") or []))
            for row in page.select("#dimension-list tbody tr")]


def texts(**changes) -> dict:
    values = {"name_en": "Speed", "name_ru": "Скорость",
              "description_en": "How fast they deliver.", "description_ru": "Как быстро они работают.",
              "question_en": "How quickly do they serve you?", "question_ru": "Как быстро они вам помогают?"}
    return {**values, **changes}


@pytest.fixture
def seeded(org):
    seed_default_dimensions()
    db.session.commit()


@pytest.fixture
def admin(client, org, seeded):
    assert client.sign_in("admin@example.com", PASSWORD).status_code == 303
    return client


# Seeding -----------------------------------------------------------------------------------------

def test_seeding_gives_the_nine_dimensions_of_the_source_once(app):
    assert seed_default_dimensions() == 9
    db.session.commit()
    assert keys() == KEYS
    assert seed_default_dimensions() == 0
    db.session.commit()
    assert count(Dimension) == 9


def test_seeding_adds_back_only_what_is_missing(app):
    seed_default_dimensions()
    db.session.delete(dimension("courtesy"))
    db.session.commit()
    assert seed_default_dimensions() == 1
    db.session.commit()
    assert sorted(keys()) == sorted(KEYS)


def test_every_seeded_dimension_has_both_languages(app):
    seed_default_dimensions()
    db.session.commit()
    for d in ordered():
        assert all([d.name_en, d.name_ru, d.description_en, d.description_ru, d.question_en, d.question_ru])


# The list ----------------------------------------------------------------------------------------

def test_the_list_shows_the_dimensions_in_order(admin):
    response = admin.get("/dimensions")
    assert response.status_code == 200
    assert [name for name, _ in listed(response)] == [d.name_en for d in ordered()]
    assert listed(response)[0] == ("Competence", False)


def test_russian_names_show_when_the_admin_chooses_russian(admin, org):
    response = admin.post("/language", data={"language": "ru"})
    assert response.status_code == 303
    assert org["admin"].language == "ru"
    response = admin.get("/dimensions")
    page = page_text(response)
    assert '<html lang="ru">' in page
    assert listed(response)[0] == ("Компетентность", False)
    assert "Competence" not in page
    assert "Насколько хорошо они знают своё дело, когда работают для вас?" in page


# Adding and editing ------------------------------------------------------------------------------

def test_adding_a_dimension_puts_it_last(admin):
    response = admin.post("/dimensions/new", data={"key": "speed", **texts()})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/dimensions")
    speed = dimension("speed")
    assert (speed.name_en, speed.name_ru) == ("Speed", "Скорость")
    assert speed.question_ru == "Как быстро они вам помогают?"
    assert keys()[-1] == "speed"
    page = admin.get("/dimensions")
    assert "Dimension added." in page_text(page)
    assert listed(page)[-1] == ("Speed", False)
    entry = db.session.scalars(audited()).one()
    assert (entry.action, entry.target, entry.actor_name) == ("dimension.create", "Speed", "Ada Admin")


def test_a_duplicate_key_is_refused(admin):
    response = admin.post("/dimensions/new", data={"key": "competence", **texts()})
    assert response.status_code == 200
    assert "Another dimension already has this key." in page_text(response)
    assert count(Dimension) == 9
    assert dimension("competence").name_en == "Competence"
    assert audit_count() == 0


@pytest.mark.parametrize(("key", "message"), [
    ("Speed", "Lower-case letters, digits and _."), ("2fast", "Lower-case letters, digits and _."),
    ("with space", "Lower-case letters, digits and _."), ("", "This field is required.")])
def test_a_malformed_key_is_refused(admin, key, message):
    response = admin.post("/dimensions/new", data={"key": key, **texts()})
    assert response.status_code == 200
    assert message in page_text(response)
    assert count(Dimension) == 9


def test_every_text_is_required(admin):
    response = admin.post("/dimensions/new", data={"key": "speed", **texts(question_ru="")})
    assert response.status_code == 200
    assert "This field is required." in page_text(response)
    assert dimension("speed") is None


def test_editing_changes_the_texts_but_never_the_key(admin):
    competence = dimension("competence")
    response = admin.post(f"/dimensions/{competence.id}/edit",
                          data={"key": "hacked", **texts(name_en="Know-how", name_ru="Знания")})
    assert response.status_code == 303
    assert (competence.key, competence.name_en, competence.name_ru) == ("competence", "Know-how", "Знания")
    assert dimension("hacked") is None
    assert "Dimension saved." in page_text(admin.get("/dimensions"))


def test_the_edit_page_shows_the_key_but_does_not_offer_to_change_it(admin):
    page = admin.get(f"/dimensions/{dimension('courtesy').id}/edit").get_data(as_text=True)
    assert "<code>courtesy</code>" in page
    assert 'name="key"' not in page


def test_an_unknown_dimension_is_not_found(admin):
    assert admin.get("/dimensions/999999/edit").status_code == 404
    assert admin.post("/dimensions/999999/up").status_code == 404
    assert admin.post("/dimensions/999999/retire").status_code == 404


# Order -------------------------------------------------------------------------------------------

def test_moving_up_and_down(admin):
    courtesy = dimension("courtesy")
    assert admin.post(f"/dimensions/{courtesy.id}/up").status_code == 303
    assert keys()[:3] == ["competence", "courtesy", "accessibility"]
    admin.post(f"/dimensions/{courtesy.id}/up")
    assert keys()[:3] == ["courtesy", "competence", "accessibility"]
    admin.post(f"/dimensions/{dimension('competence').id}/down")
    assert keys()[:3] == ["courtesy", "accessibility", "competence"]
    assert [name for name, _ in listed(admin.get("/dimensions"))][:3] == \
        ["Courtesy", "Accessibility", "Competence"]


def test_moving_past_either_end_changes_nothing(admin):
    admin.post(f"/dimensions/{dimension('competence').id}/up")
    admin.post(f"/dimensions/{dimension('tangibles').id}/down")
    assert keys() == KEYS
    assert audit_count() == 0


def test_moving_with_htmx_answers_with_only_the_list(admin):
    response = admin.post(f"/dimensions/{dimension('accessibility').id}/up", headers=HTMX)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert body.lstrip().startswith('<div class="table-wrap" id="dimension-list">')
    assert [name for name, _ in listed(response)][:2] == ["Accessibility", "Competence"]
    assert keys()[:2] == ["accessibility", "competence"]


def test_the_first_has_no_up_button_and_the_last_active_no_down_button(admin):
    page = BeautifulSoup(admin.get("/dimensions").get_data(as_text=True), "html.parser")
    rows = page.select("#dimension-list tbody tr")
    first = [b.get_text(" ", strip=True) for b in rows[0].select("form button")]
    last = [b.get_text(" ", strip=True) for b in rows[-1].select("form button")]
    assert first == ["Down Competence", "Retire Competence"]
    assert last == ["Up Tangibles", "Retire Tangibles"]


# Retiring ----------------------------------------------------------------------------------------

def test_a_retired_dimension_is_shown_as_retired_after_the_active_ones(admin):
    courtesy = dimension("courtesy")
    response = admin.post(f"/dimensions/{courtesy.id}/retire")
    assert response.status_code == 303
    assert courtesy.retired
    assert "courtesy" not in keys(include_retired=False)
    shown = listed(admin.get("/dimensions"))
    assert shown[-1] == ("Courtesy", True)
    assert all(not retired for _, retired in shown[:-1])
    row = BeautifulSoup(admin.get("/dimensions").get_data(as_text=True), "html.parser").select(
        "#dimension-list tbody tr")[-1]
    assert "retired" in row.select_one(".badge").get_text()
    assert [b.get_text(" ", strip=True) for b in row.select("form button")] == ["Restore Courtesy"]


def test_a_retired_dimension_cannot_be_moved(admin):
    courtesy = dimension("courtesy")
    admin.post(f"/dimensions/{courtesy.id}/retire")
    response = admin.post(f"/dimensions/{courtesy.id}/up")
    assert response.status_code == 303
    assert "Restore the dimension before moving it." in page_text(admin.get("/dimensions"))
    assert keys(include_retired=False) == [k for k in KEYS if k != "courtesy"]


def test_the_last_active_dimension_cannot_be_retired(admin, org):
    for key in KEYS[1:]:
        set_retired(org["admin"], dimension(key), True)
    db.session.commit()
    entries = audit_count()
    competence = dimension("competence")
    response = admin.post(f"/dimensions/{competence.id}/retire")
    assert response.status_code == 303
    assert "At least one dimension must stay in use." in page_text(admin.get("/dimensions"))
    assert not competence.retired
    assert audit_count() == entries


def test_the_refusal_to_retire_the_last_one_shows_at_once_with_htmx(admin, org):
    for key in KEYS[1:]:
        set_retired(org["admin"], dimension(key), True)
    db.session.commit()
    response = admin.post(f"/dimensions/{dimension('competence').id}/retire", headers=HTMX)
    assert not dimension("competence").retired
    assert "At least one dimension must stay in use." in page_text(response)
    assert "At least one dimension must stay in use." not in page_text(admin.get("/dimensions"))  # shown once


def test_the_last_active_dimension_cannot_be_retired_through_the_service(org, seeded):
    for key in KEYS[1:]:
        set_retired(org["admin"], dimension(key), True)
    db.session.commit()
    with pytest.raises(DimensionError):
        set_retired(org["admin"], dimension("competence"), True)
    db.session.rollback()
    assert keys(include_retired=False) == ["competence"]


def test_restoring_brings_it_back_at_the_end_of_the_active_ones(admin):
    courtesy = dimension("courtesy")
    admin.post(f"/dimensions/{courtesy.id}/retire")
    admin.post(f"/dimensions/{dimension('security').id}/retire")
    response = admin.post(f"/dimensions/{courtesy.id}/restore", headers=HTMX)
    assert response.status_code == 200
    assert not courtesy.retired
    assert keys(include_retired=False)[-1] == "courtesy"
    assert listed(response)[-2:] == [("Courtesy", False), ("Security", True)]
    actions = list(db.session.scalars(audited(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["dimension.retire", "dimension.retire", "dimension.restore"]


def test_restoring_a_dimension_that_is_in_use_changes_nothing(admin):
    # e.g. a second tab still shows it as retired, or the button is pressed twice
    admin.post(f"/dimensions/{dimension('competence').id}/restore")
    assert keys() == KEYS
