"""The keyword model of themes, with no database: words cut to their stems (Snowball, English and Russian),
and a text's themes are those whose keyword stems it uses most (docs/METHODS.md, "What the comments talk
about")."""
from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

WORD = re.compile(r"[^\W_]+")  # letters and digits ("1С" is a system's name)
CYRILLIC = re.compile("[а-яё]")
MOST_TIED = 2  # more themes of a kind tied for the top than this: the text is too unclear to tag


_stemmers = threading.local()


def _stemmer(language: str):
    """This thread's stemmer of the language: a Snowball stemmer keeps the word it works on in itself, and
    a worker's threads stem at once."""
    found = getattr(_stemmers, language, None)
    if found is None:
        found = snowballstemmer.stemmer({"ru": "russian", "en": "english"}[language])
        setattr(_stemmers, language, found)
    return found


def language_of(word: str) -> str:
    return "ru" if CYRILLIC.search(word.lower()) else "en"


@lru_cache(maxsize=65536)  # the Snowball stemmers are pure Python, and comments share most of their words
def stem(word: str) -> str:
    """The word's stem by the stemmer of its own letters, so a comment may mix both languages."""
    word = word.lower().replace("ё", "е")
    return _stemmer(language_of(word)).stemWord(word)


def stems(text: str) -> set[str]:
    return {stem(word) for word in WORD.findall(text)}


@dataclass(frozen=True)
class Model:
    """Per theme id: its kind ("dimension" or "root_cause") and the stems of its keywords."""
    kinds: dict[int, str]
    stems: dict[int, frozenset[str]]

    @classmethod
    def of(cls, keywords: Iterable[tuple[int, str, str]]) -> Model:
        """From (theme id, kind, keyword) rows."""
        kinds: dict[int, str] = {}
        found: dict[int, set[str]] = {}
        for theme_id, kind, word in keywords:
            kinds[theme_id] = kind
            found.setdefault(theme_id, set()).update(stems(word))
        return cls(kinds, {theme_id: frozenset(s) for theme_id, s in found.items()})

    def themes_of(self, text: str) -> tuple[int, ...]:
        """For each kind, the theme whose keyword stems the text uses most (each distinct stem counts once);
        two tied for the top are both kept, more are too unclear and none is kept; none when no keyword at
        all is used."""
        used = stems(text)
        found: list[int] = []
        for kind in ("dimension", "root_cause"):
            scores = {t: len(s & used) for t, s in self.stems.items() if self.kinds[t] == kind}
            best = max(scores.values(), default=0)
            top = sorted(t for t, score in scores.items() if score == best)
            if best and len(top) <= MOST_TIED:
                found += top
        return tuple(found)
