"""Reading an uploaded CSV file (app.web.csvfile), shared by the people and the readings imports."""
import pytest

from app.web.csvfile import CsvFileError, decode, records


def rows(text: str) -> list[tuple[int, dict]]:
    return list(records(text, ("name", "email"), ("name", "email", "note")))


def test_every_kind_of_line_end_reads_the_same(app):
    lf = 'name,email,note\nAnna,anna@example.com,"two\nlines"\nTom,tom@example.com,\n'
    expected = [(3, {"name": "Anna", "email": "anna@example.com", "note": "two\nlines"}),
                (4, {"name": "Tom", "email": "tom@example.com", "note": ""})]
    assert rows(lf) == expected
    assert rows(lf.replace("\n", "\r\n")) == expected  # Windows
    assert rows(lf.replace("\n", "\r")) == expected  # old Macs
    assert rows(decode(("\ufeff" + lf).encode())) == expected  # a byte order mark


def test_the_header_decides_the_delimiter_when_the_sniffer_guesses_otherwise(app):
    # commas inside the cells outnumber the semicolons: the Sniffer alone would split on commas
    text = "name;email\nBaker, Tom, Jr.;tom@example.com\nSmith, Ann, Dr.;ann@example.com\n"
    assert [values for _line, values in rows(text)] == [
        {"name": "Baker, Tom, Jr.", "email": "tom@example.com"},
        {"name": "Smith, Ann, Dr.", "email": "ann@example.com"}]


def test_a_cell_too_long_is_named_by_the_line_it_ends_on(app):
    text = 'name,email,note\nAnna,anna@example.com,"two\nlines"\nTom,tom@example.com,' + "x" * 131_073 + "\n"
    with pytest.raises(CsvFileError, match="A cell on line 4 is too long: cells may hold at most 131072"):
        rows(text)


def test_missing_columns_are_named(app):
    with pytest.raises(CsvFileError, match="missing: email. Expected: name, email, note."):
        rows("name,mail\nAnna,anna@example.com\n")
