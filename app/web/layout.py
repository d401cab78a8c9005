"""The soft hyphens that let wide tables fit their box."""
import re

import pyphen

# One dictionary per script: names are stored in one language and read in another (a Russian reader sees
# English department names), so a word is hyphenated by its own letters, not by the page's language.
HYPHENATORS = {"ru": pyphen.Pyphen(lang="ru_RU"), "en": pyphen.Pyphen(lang="en_GB")}
CYRILLIC = re.compile("[\u0400-\u04ff]")


def hyphenate(text: str) -> str:
    """Soft hyphens between the syllables of long words, so that a narrow column's header breaks inside a
    word, with a hyphen, only where it must: a heatmap of nine dimensions then fits a 1280 px screen."""
    return " ".join(
        HYPHENATORS["ru" if CYRILLIC.search(word) else "en"].inserted(word, hyphen="\u00ad")
        if len(word) > 7 else word for word in str(text).split(" "))
