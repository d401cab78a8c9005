"""Importing people from a CSV file: every row is checked and shown before anything is saved."""
import io
import re

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from app.audit.models import AuditEntry
from app.auth.models import OneTimeLink, User
from app.extensions import db
from tests.factories import by_email, count, page_text

CONFIRM = "Import and invite everyone"
LINK = re.compile(r'<code class="link">http://localhost(/password/[^<"]+)</code>')

GOOD = (
    "name,email,department,roles,head_of,language\n"
    "Anna Petrova,Anna@Example.com,FIN,employee,FIN,ru\n"
    "Tom Baker,tom@example.com,sal,employee;facilitator,,en\n"
    "Ivy Boss,ivy@example.com,,admin,FIN;SAL,\n"
)


@pytest.fixture
def nothing_written(org):
    """Asserts, after the test, that no person, link or audit entry was added."""
    before = (count(User), count(OneTimeLink), count(AuditEntry))
    yield
    assert (count(User), count(OneTimeLink), count(AuditEntry)) == before


def upload(client, data: bytes | str, filename: str = "people.csv"):
    if isinstance(data, str):
        data = data.encode()
    return client.post("/org/people/import", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def confirm(client, csv_text: str):
    return client.post("/org/people/import", data={"csv_text": csv_text})


def error_rows(response) -> dict[str, str]:
    """The rows marked as wrong: their e-mail cell (or name) → the problems shown on them."""
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    rows = {}
    for row in page.select("tr.row-error"):
        cells = [td.get_text() for td in row.select("td")]
        rows[cells[2] or cells[1]] = row.select_one("td.problems").get_text()
    return rows


def test_the_preview_shows_every_row_and_saves_nothing(admin, nothing_written):
    response = upload(admin, GOOD)
    assert response.status_code == 200
    page = page_text(response)
    assert "3 people are ready to import." in page
    assert CONFIRM in page
    assert error_rows(response) == {}
    soup = BeautifulSoup(page, "html.parser")
    assert [r.select("td")[1].get_text() for r in soup.select("tbody tr")] == \
        ["Anna Petrova", "Tom Baker", "Ivy Boss"]
    assert soup.select_one("input[name=csv_text]")["value"] == GOOD


def test_confirming_creates_everyone_with_their_roles_and_shows_their_links(admin, org):
    before = count(User)
    response = confirm(admin, GOOD)
    assert response.status_code == 200
    page = page_text(response)
    assert "3 people imported." in page
    assert len(LINK.findall(response.get_data(as_text=True))) == 3
    assert count(User) == before + 3

    anna, tom, ivy = by_email("anna@example.com"), by_email("tom@example.com"), by_email("ivy@example.com")
    assert (anna.name, anna.department, anna.language) == ("Anna Petrova", org["finance"], "ru")
    assert anna.headed_departments == [org["finance"]]
    assert not anna.is_admin and not anna.is_facilitator and anna.password_hash is None
    assert (tom.department, tom.language) == (org["sales"], "en")
    assert tom.is_facilitator and not tom.is_admin
    assert tom.headed_departments == []
    assert (ivy.department, ivy.is_admin, ivy.language) == (None, True, None)
    assert ivy.headed_departments == [org["finance"], org["sales"]]

    actions = list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["person.create"] * 3 + ["person.import"]


def test_the_imported_links_open_the_set_password_page(admin, org):
    paths = LINK.findall(confirm(admin, GOOD).get_data(as_text=True))
    for path in paths:
        assert admin.get(path).status_code == 200


def test_upload_then_confirm_is_the_whole_round_trip(admin, org):
    preview = BeautifulSoup(upload(admin, GOOD).get_data(as_text=True), "html.parser")
    csv_text = preview.select_one("form input[name=csv_text]")["value"]
    assert "3 people imported." in page_text(confirm(admin, csv_text))


BAD = (
    "name,email,department,roles,head_of,language\n"
    "Good Person,good@example.com,FIN,employee,,\n"
    "Bad Mail,not-an-email,FIN,employee,,\n"
    "Twice First,twice@example.com,FIN,employee,,\n"
    "Twice Again,TWICE@example.com,SAL,employee,,\n"
    "Old Hand,Employee@Example.com,SAL,employee,,\n"
    "Lost Soul,lost@example.com,XYZ,employee,,\n"
    "Odd Role,odd@example.com,FIN,employee;boss,,\n"
    "Wrong Lang,lang@example.com,FIN,employee,,de\n"
    ",noname@example.com,FIN,employee,,\n"
    "No Team,noteam@example.com,,employee,,\n"
    "Heads Nothing,heads@example.com,FIN,,NOPE,\n"
)


def test_bad_rows_show_their_problems_and_nothing_can_be_imported(admin, nothing_written):
    response = upload(admin, BAD)
    assert response.status_code == 200
    page = page_text(response)
    assert CONFIRM not in page
    assert "csv_text" not in page
    assert "9 rows have problems. Nothing will be imported until the file is fixed." in page
    rows = error_rows(response)
    assert rows == {
        "not-an-email": "This is not a valid e-mail address.",
        "TWICE@example.com": "The same e-mail is on line 4.",
        "Employee@Example.com": "Someone already has this e-mail address.",
        "lost@example.com": "No department has the code XYZ. An employee needs a department.",
        "odd@example.com": "Unknown role: boss. Use employee, facilitator or admin.",
        "lang@example.com": "The language must be en or ru.",
        "noname@example.com": "The name is missing.",
        "noteam@example.com": "An employee needs a department.",
        "heads@example.com": "No department has the code NOPE.",
    }
    good = BeautifulSoup(page, "html.parser").select("tbody tr")[0]
    assert "row-error" not in (good.get("class") or []) and good.select("td")[1].get_text() == "Good Person"
    assert "twice@example.com" not in rows  # the first of the two is fine


def test_a_name_longer_than_120_characters_is_a_problem(admin, nothing_written):
    response = upload(admin, f"name,email\n{'N' * 121},long@example.com\n")
    assert error_rows(response) == {"long@example.com": "The name is longer than 120 characters."}


def test_a_tampered_confirmation_writes_nothing_and_says_so(admin, nothing_written):
    response = confirm(admin, BAD)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/org/people/import")
    page = page_text(admin.get(response.headers["Location"]))
    assert "Fix the problems in the file first; nothing was imported." in page


def test_a_tampered_confirmation_with_one_bad_row_among_good_ones_writes_nothing(admin, nothing_written):
    response = confirm(admin, GOOD + "Sneaky,employee@example.com,,admin,,\n")
    assert response.status_code == 303
    assert by_email("anna@example.com") is None


def test_a_semicolon_separated_file_works(admin, org):
    csv_text = "name;email;department;roles\nSemi Colon;semi@example.com;SAL;employee,facilitator\n"
    response = upload(admin, csv_text)
    assert "1 person is ready to import." in page_text(response)
    assert CONFIRM in page_text(response)
    assert confirm(admin, csv_text).status_code == 200
    semi = by_email("semi@example.com")
    assert (semi.name, semi.department, semi.is_facilitator) == ("Semi Colon", org["sales"], True)


def test_a_utf8_file_with_a_byte_order_mark_works(admin, org):
    raw = "\ufeffname,email,department\nИван Иванов,ivan@example.com,FIN\n".encode()
    response = upload(admin, raw)
    assert "1 person is ready to import." in page_text(response)
    csv_text = BeautifulSoup(response.get_data(as_text=True), "html.parser").select_one(
        "input[name=csv_text]")["value"]
    confirm(admin, csv_text)
    ivan = by_email("ivan@example.com")
    assert (ivan.name, ivan.department) == ("Иван Иванов", org["finance"])


def test_a_file_not_in_utf8_gets_a_clear_message(admin, nothing_written):
    response = upload(admin, "name,email\nИван Иванов,ivan@example.com\n".encode("cp1251"))
    assert response.status_code == 200
    page = page_text(response)
    assert "The file is not UTF-8 text. Save it as “CSV UTF-8” and try again." in page
    assert CONFIRM not in page


def test_a_file_without_the_header_gets_a_clear_message(admin, nothing_written):
    response = upload(admin, "Anna Petrova,anna@example.com,FIN\n")
    page = page_text(response)
    assert "The first line must name the columns; missing: name, email." in page
    assert "Expected: name, email, department, roles, head_of, language." in page
    assert CONFIRM not in page


def test_a_header_without_people_gets_a_clear_message(admin, nothing_written):
    assert "The file has no people in it." in page_text(upload(admin, "name,email\n"))


def test_a_file_that_is_not_csv_is_refused(admin, nothing_written):
    response = upload(admin, GOOD, filename="people.xlsx")
    assert response.status_code == 200
    page = page_text(response)
    assert "Choose a .csv file." in page
    assert CONFIRM not in page


def test_a_post_without_a_file_asks_for_one(admin, nothing_written):
    response = admin.post("/org/people/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "This field is required." in page_text(response)


def test_the_example_on_the_import_page_imports(admin, org):
    page = BeautifulSoup(admin.get("/org/people/import").get_data(as_text=True), "html.parser")
    example = page.select_one("pre.link-box").get_text() + "\n"
    response = upload(admin, example)
    assert "2 people are ready to import." in page_text(response)
    assert "2 people imported." in page_text(confirm(admin, example))
    tom = by_email("tom@example.com")
    assert tom.is_facilitator and tom.department == org["sales"]
    assert by_email("anna@example.com").headed_departments == [org["finance"]]


def test_column_names_may_have_capitals_and_spaces(admin, org):
    csv_text = "Name , EMAIL,Department\nCap Tain,cap@example.com,FIN\n"
    assert "1 person is ready to import." in page_text(upload(admin, csv_text))
    confirm(admin, csv_text)
    assert by_email("cap@example.com").department == org["finance"]


def test_a_cell_longer_than_the_csv_limit_is_named_by_its_line(admin, nothing_written):
    """Python's csv module refuses a cell over 131,072 characters: a message saying where, not a 500."""
    response = upload(admin, GOOD + f"Long Cell,long@example.com,FIN,employee,{'X' * 140_000},\n")
    assert response.status_code == 200
    page = page_text(response)
    assert "A cell on line 5 is too long: cells may hold at most 131072 characters." in page
    assert CONFIRM not in page


def test_a_file_with_old_mac_line_ends_is_read(admin, org):
    """Lone CRs end the lines of files saved by old Macs; the csv module refuses them unless told."""
    response = upload(admin, GOOD.replace("\n", "\r"))
    assert response.status_code == 200
    assert "3 people are ready to import." in page_text(response)
