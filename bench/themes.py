"""How long the keyword model takes to tag 10,000 comments, with the stems cache empty and warm."""
import argparse
import importlib.util
import random
import time
from pathlib import Path

from app.themes import engine
from tests.themes.labelled import ENGLISH, RUSSIAN

MIGRATION = Path(__file__).resolve().parents[1] / "migrations/versions/20261206_0029_comment_themes.py"


def starting_model() -> engine.Model:
    spec = importlib.util.spec_from_file_location("themes_migration", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    themes = enumerate(migration.KEYWORDS.items())
    return engine.Model.of((i, kind, word) for i, ((kind, _key), words) in themes for word in words.split())


def comments(n: int, rng: random.Random) -> list[str]:
    """Comments of two labelled sentences each, shuffled word by word: words repeat as in real comments."""
    sentences = [text for text, _label in ENGLISH + RUSSIAN]
    found = []
    for _ in range(n):
        words = " ".join(rng.sample(sentences, 2)).split()
        rng.shuffle(words)
        found.append(" ".join(words))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--comments", type=int, default=10_000)
    args = parser.parse_args()
    model, texts = starting_model(), comments(args.comments, random.Random(24))
    engine.stem.cache_clear()
    for label in ("stems cache empty", "stems cache warm"):
        started = time.perf_counter()
        for text in texts:
            model.themes_of(text)
        print(f"{args.comments} comments, {label}: {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
