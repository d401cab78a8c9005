"""How long closing a round takes: people answer their whole lists through the rating services, then the
round is closed (every answer opened and counted at once) and its answers erased; prints both times.

    .venv/bin/python -m bench.closing --departments 100 --people 50

Works on a new SQLite file in a temporary folder, built through the migrations.
"""
import argparse
import os
import random
import tempfile
import time
from datetime import date
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--departments", type=int, default=50)
    parser.add_argument("--people", type=int, default=40, help="people per department")
    parser.add_argument("--providers", type=int, default=6, help="departments serving each department")
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    os.environ.update(TZ_ENV="development", DATABASE_URL=f"sqlite:///{folder}/closing.sqlite",
                      SECRET_KEY="bench-closing")
    from flask_migrate import upgrade

    from app import create_app
    from app.auth.models import User
    from app.database import erase_deleted_rows
    from app.dimensions.services import seed_default_dimensions
    from app.extensions import db
    from app.org.models import Department, ServiceLink
    from app.ratings import services

    app = create_app()
    with app.app_context():
        upgrade(directory=str(Path(__file__).parent.parent / "migrations"))
        seed_default_dimensions()
        rng = random.Random(1)
        departments = [Department(name=f"Department {i}", code=f"D{i}") for i in range(args.departments)]
        db.session.add_all(departments)
        db.session.flush()
        for client in departments:
            for provider in rng.sample([d for d in departments if d is not client], args.providers):
                db.session.add(ServiceLink(provider_id=provider.id, client_id=client.id))
        people = [User(email=f"person{i}@example.com", name=f"Person {i}", active=True,
                       department_id=departments[i % len(departments)].id)
                  for i in range(len(departments) * args.people)]
        facilitator = User(email="facilitator@example.com", name="Facilitator", is_facilitator=True)
        db.session.add_all([*people, facilitator])
        db.session.commit()
        round_ = services.save_round(facilitator, None, "Bench", date(2026, 1, 1), date(2026, 2, 1), 5,
                                     departments)
        services.open_round(facilitator, round_)
        db.session.commit()
        dimensions = services.asked_dimensions(round_)
        answers = 0
        for person in people:
            for target in services.targets_for(person, round_):
                comment = "Slow answers to our requests" if rng.random() < 0.1 else ""
                services.submit(person, round_, target, {d: rng.randint(0, 5) for d in dimensions}, comment)
                answers += 1
            db.session.commit()
        started = time.perf_counter()
        services.close_round(facilitator, round_)
        db.session.commit()
        closed = time.perf_counter()
        erase_deleted_rows()
        erased = time.perf_counter()
        print(f"{answers} answers: closing {closed - started:.2f} s, erasing {erased - closed:.2f} s")


if __name__ == "__main__":
    main()
