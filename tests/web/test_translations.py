"""Every user-facing string has a Russian translation, with the same placeholders."""
import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "app/translations/ru/LC_MESSAGES/messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def extracted_ids(tmp_path) -> set:
    pot = tmp_path / "messages.pot"
    # --ignore-dirs: Babel skips folders starting with "_" by default, and templates/_macros has strings.
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
                    "app/translations/babel.cfg", "-k", "_l", "-k", "lazy_gettext", "--ignore-dirs=.*",
                    "-o", str(pot), "."], cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}


def flat(text):
    return text if isinstance(text, str) else tuple(text)


def russian():
    with CATALOG.open("rb") as f:
        return read_po(f)


def test_every_string_in_the_code_is_translated(tmp_path):
    catalog = russian()
    translated = {(m.id if isinstance(m.id, str) else m.id[0]) for m in catalog
                  if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, tuple) else m.string)}
    extracted = extracted_ids(tmp_path)
    assert "Rows of the file" in extracted  # from templates/_macros/imports.html
    missing = extracted - translated
    assert missing == set(), f"untranslated: {sorted(missing)[:10]}"


def test_translations_keep_placeholders():
    for message in russian():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) <= expected | set(PLACEHOLDER.findall(ids[0])), message.id


def test_compiled_catalog_matches_the_source():
    """The app reads the compiled .mo: it must say what the .po says (run pybabel compile)."""
    from babel.messages.mofile import read_mo

    with CATALOG.with_suffix(".mo").open("rb") as f:
        compiled = {flat(m.id): flat(m.string) for m in read_mo(f) if m.id}
    source = {flat(m.id): flat(m.string) for m in russian() if m.id and not m.fuzzy}
    assert compiled == source


def test_people_are_people_in_russian_not_users():
    """A company's people are «сотрудники», counted in «человек»; «пользователи» reads like software."""
    catalog = russian()
    users = [m.id for m in catalog if m.id and any("ользовател" in s for s in
                                                   ([m.string] if isinstance(m.string, str) else m.string))]
    assert users == []
    count = next(m for m in catalog if m.id == ("%(num)d person", "%(num)d people"))
    assert [form % {"num": n} for form, n in zip(count.string, (1, 3, 5), strict=True)] == [
        "1 человек", "3 человека", "5 человек"]
