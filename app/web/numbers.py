"""Numbers as a reader sees them, formatted in this one place: the reader's decimal symbol and grouping
(3.5 and 1,250.5 in English; 3,5 and 1 250,5 in Russian), on pages, in charts and in messages."""
from functools import lru_cache

from babel.numbers import format_decimal
from flask_babel import get_locale

PATTERNS = {
    "mean": "0.0",  # a mean score: one decimal, always
    "reading": "#,##0.##",  # a reading, or a figure made from readings: up to two decimals
    "signed": "+#,##0.##;-#,##0.##",  # a movement: its sign always said
    "hundredths": "0.00",  # a balanced card score; how far noise moves a mean
}


def number(value, kind: str = "reading") -> str:
    """`value` as the reader writes numbers (a kind of PATTERNS); nothing for no value."""
    if value is None:
        return ""
    return _formatted(value, PATTERNS[kind], str(get_locale() or "en"))


def percent(part: int, whole: int) -> int | None:
    """`part` as a whole percent of `whole`; no figure for a whole of none."""
    return round(100 * part / whole) if whole else None


@lru_cache(maxsize=4096)
def _formatted(value, pattern: str, locale: str) -> str:
    # Pages repeat the same few dozen values (means from 1.0 to 5.0): each is formatted once.
    return format_decimal(value, format=pattern, locale=locale)
