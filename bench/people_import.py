"""How long the people import of a 2 MB CSV takes: the preview (upload and check), then the confirm,
each timed through the app's own pages (a Flask test client in this process, no web server).

    .venv/bin/python -m bench.people_import
    .venv/bin/python -m bench.people_import --database postgresql://postgres@127.0.0.1:5432/NAME

Without --database it works on a new SQLite file in a temporary folder; a PostgreSQL database given is
emptied first (its public schema dropped). Either is built through the migrations. The file holds about
30,000 people with names, e-mails, department codes, roles, departments led and languages, filled up to
just under the upload limit.
"""
import argparse
import io
import os
import random
import re
import tempfile
import time
from pathlib import Path

# (as written, as in an e-mail address)
FIRST = (("Anna", "anna"), ("Boris", "boris"), ("Clara", "clara"), ("Dmitri", "dmitri"), ("Elena", "elena"),
         ("Fedor", "fedor"), ("Galina", "galina"), ("Hugo", "hugo"), ("Irina", "irina"), ("James", "james"),
         ("Ksenia", "ksenia"), ("Leon", "leon"), ("Maria", "maria"), ("Nikolai", "nikolai"),
         ("Olga", "olga"), ("Pavel", "pavel"), ("Rosa", "rosa"), ("Sergei", "sergei"),
         ("Tatiana", "tatiana"), ("William", "william"), ("Иван", "ivan"), ("Мария", "mariya"),
         ("Пётр", "petr"), ("Светлана", "svetlana"))
LAST = (("Petrova", "petrova"), ("Baker", "baker"), ("Ivanov", "ivanov"), ("Smith", "smith"),
        ("Kuznetsova", "kuznetsova"), ("Novak", "novak"), ("Sokolov", "sokolov"), ("Garcia", "garcia"),
        ("Müller", "mueller"), ("Kowalski", "kowalski"), ("Dubois", "dubois"), ("Смирнов", "smirnov"),
        ("Соколова", "sokolova"))
DEPARTMENTS = 40
HEADERS = {"User-Agent": "bench"}


def people_csv(limit: int, codes: list[str], rng: random.Random) -> tuple[bytes, int]:
    """A people file of at most `limit` bytes and how many people it holds."""
    out = io.StringIO()
    out.write("name,email,department,roles,head_of,language\n")
    size, n = len(out.getvalue().encode()), 0
    while True:
        (first, first_handle), (last, last_handle) = rng.choice(FIRST), rng.choice(LAST)
        code = codes[n % len(codes)]
        roles = rng.choices(["employee", "employee;facilitator", "employee;admin"], [95, 4, 1])[0]
        head_of = code if n < len(codes) else ""
        line = (f"{first} {last},{first_handle}.{last_handle}.{n}@corp.example.com,{code},{roles},"
                f"{head_of},{rng.choice(['en', 'ru', ''])}\n")
        if size + len(line.encode()) > limit:
            return out.getvalue().encode(), n
        out.write(line)
        size += len(line.encode())
        n += 1


def _confirm_fields(page: str) -> dict:
    """The hidden fields of the preview's confirm form, whatever they are."""
    form = re.search(r'<form method="post" action="/org/people/import".*?</form>', page, re.S)
    if form is None:
        raise RuntimeError("the preview offers no confirm form:\n" + page[:2000])
    import html

    return {name: html.unescape(value) for name, value in
            re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form.group(0))}


def _csrf_token(client) -> str:
    page = client.get("/login", follow_redirects=True).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="a PostgreSQL URL (emptied first); default a new SQLite file")
    parser.add_argument("--big-forms", action="store_true",
                        help="raise the form limits, so a confirm that re-sends the file can be timed")
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    os.environ.update(TZ_ENV="development", SECRET_KEY="bench-people-import",
                      DATABASE_URL=args.database or f"sqlite:///{folder}/people.sqlite")
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app import create_app
    from app.auth.models import User
    from app.auth.passwords import hash_password
    from app.extensions import db
    from app.org.models import Department

    if args.database:
        engine = sa.create_engine(args.database.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        engine.dispose()
    app = create_app()
    limit = app.config["MAX_CONTENT_LENGTH"]
    if args.big_forms:
        app.config.update(MAX_CONTENT_LENGTH=limit * 4, MAX_FORM_MEMORY_SIZE=limit * 4)
    with app.app_context():
        upgrade(directory=str(Path(__file__).parent.parent / "migrations"))
        codes = [f"D{i:02d}" for i in range(DEPARTMENTS)]
        db.session.add_all([Department(name=f"Department {code}", code=code) for code in codes])
        db.session.add(User(email="admin@bench.example", name="Admin", is_admin=True,
                            password_hash=hash_password("bench-password-1")))
        db.session.commit()
        raw, people = people_csv(limit - 2048, codes, random.Random(1))  # room for the form around it

    client = app.test_client()
    client.post("/login", data={"email": "admin@bench.example", "password": "bench-password-1",
                                "csrf_token": _csrf_token(client)})
    token = _csrf_token(client)  # a new session at sign-in, a new token
    started = time.perf_counter()
    preview = client.post("/org/people/import", headers=HEADERS, content_type="multipart/form-data",
                          data={"csrf_token": token, "file": (io.BytesIO(raw), "people.csv")})
    preview_seconds = time.perf_counter() - started
    if preview.status_code != 200:
        raise RuntimeError(f"the preview failed ({preview.status_code})")
    fields = _confirm_fields(preview.get_data(as_text=True))
    body = sum(len(k) + len(v) for k, v in fields.items())
    started = time.perf_counter()
    confirm = client.post("/org/people/import", headers=HEADERS, data=fields)
    confirm_seconds = time.perf_counter() - started
    with app.app_context():
        imported = db.session.scalar(sa.select(sa.func.count()).select_from(User)) - 1
    print(f"{'postgresql' if args.database else 'sqlite'}: {len(raw):,} bytes, {people:,} people; "
          f"preview {preview_seconds:.2f} s ({len(preview.get_data()):,} bytes of page); confirm "
          f"{confirm_seconds:.2f} s (a form of {body:,} characters, status {confirm.status_code}); "
          f"{imported:,} imported")


if __name__ == "__main__":
    main()
