"""How big and how slow the service map's pages are for an admin at 200 departments, each served by 10
others, through the app's own pages (a Flask test client in this process, no web server, SQLite).

    .venv/bin/python -m bench.service_map

Works on a new SQLite file in a temporary folder, built through the migrations. Each page is fetched
once to warm the templates, then timed over several fetches (the median is printed).
"""
import os
import random
import re
import statistics
import tempfile
import time
from pathlib import Path

DEPARTMENTS = 200
PROVIDERS = 10  # per department, as the large benchmark company has
FETCHES = 5
HEADERS = {"User-Agent": "bench"}


def _csrf_token(client) -> str:
    page = client.get("/login", follow_redirects=True).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def _timed(client, url: str) -> tuple[int, float]:
    """The page's size in bytes and the median seconds of FETCHES fetches after a warm-up."""
    response = client.get(url, headers=HEADERS)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    seconds = []
    for _ in range(FETCHES):
        started = time.perf_counter()
        response = client.get(url, headers=HEADERS)
        seconds.append(time.perf_counter() - started)
    return len(response.get_data()), statistics.median(seconds)


def main() -> None:
    folder = tempfile.mkdtemp()
    os.environ.update(TZ_ENV="development", SECRET_KEY="bench-service-map",
                      DATABASE_URL=f"sqlite:///{folder}/service-map.sqlite")
    from flask_migrate import upgrade

    from app import create_app
    from app.auth.models import User
    from app.auth.passwords import hash_password
    from app.extensions import db
    from app.org.models import Department, ServiceLink

    app = create_app()
    rng = random.Random(1)
    with app.app_context():
        upgrade(directory=str(Path(__file__).parent.parent / "migrations"))
        departments = [Department(name=f"Department {i:03d}", code=f"D{i:03d}") for i in range(DEPARTMENTS)]
        db.session.add_all(departments)
        db.session.flush()
        for client in departments:
            for provider in rng.sample([d for d in departments if d is not client], PROVIDERS):
                db.session.add(ServiceLink(provider_id=provider.id, client_id=client.id))
        db.session.add(User(email="admin@bench.example", name="Admin", is_admin=True,
                            password_hash=hash_password("bench-password-1")))
        db.session.commit()
        first = departments[0].id

    client = app.test_client()
    client.post("/login", data={"email": "admin@bench.example", "password": "bench-password-1",
                                "csrf_token": _csrf_token(client)})
    pages = {"the service map": "/org/service-map",
             "one department's checklists": f"/org/service-map?department={first}",
             "the grid of the 30 found by name":
                 "/org/service-map?q=Department+00,Department+01,Department+02"}
    for name, url in pages.items():
        size, seconds = _timed(client, url)
        print(f"{name} ({url}): {size:,} bytes, {seconds * 1000:.0f} ms")


if __name__ == "__main__":
    main()
