"""The keyword model without the database: stems of English and Russian words, and the scoring rule."""
import sys
import threading

from app.themes.engine import Model, language_of, stem, stems


def test_words_of_both_languages_come_to_one_stem_whatever_their_form():
    assert {stem(w) for w in ("answer", "answers", "answering", "answered")} == {"answer"}
    assert {stem(w) for w in ("срок", "сроки", "сроков", "срокам")} == {"срок"}
    assert {stem(w) for w in ("вежливый", "вежливо", "Вежливость")} == {"вежлив"}
    assert stem("Ещё") == stem("еще")  # ё is е
    assert language_of("Отчёт") == "ru" and language_of("report") == "en"


def test_a_text_is_cut_into_the_stems_of_its_words_in_either_language():
    assert stems("Deadlines, deadlines! Сроки — срываются; CRM и 1С.") == \
        {"deadlin", "срок", "срыва", "crm", "и", "1с"}


MODEL = Model.of([(1, "dimension", "late"), (1, "dimension", "deadline"), (2, "dimension", "rude"),
                  (3, "dimension", "polite"), (4, "dimension", "phone"), (9, "root_cause", "system"),
                  (10, "root_cause", "process")])


def test_the_theme_using_most_keywords_wins_and_each_stem_counts_once():
    assert MODEL.themes_of("Late with every deadline, and rude") == (1,)
    assert MODEL.themes_of("Late, late, late again, and rude") == (1, 2)  # saying it thrice is one keyword


def test_two_themes_tied_are_both_kept_more_are_too_unclear_and_none_is_none():
    assert MODEL.themes_of("Rude and late") == (1, 2)
    assert MODEL.themes_of("Rude, late, and never on the phone") == ()
    assert MODEL.themes_of("Nothing to say") == ()


def test_a_dimension_and_a_root_cause_are_found_side_by_side():
    assert MODEL.themes_of("Late because the system is down") == (1, 9)
    assert MODEL.themes_of("The process and the systems") == (9, 10)


def test_threads_stemming_at_once_each_get_the_right_stems():
    """A Snowball stemmer keeps the word it works on in itself, and a worker's threads stem at once (two
    scorecards drawn together): each thread must get the stems of its own words, and no error."""
    words = [f"{root}{ending}" for root in ("deliver", "approv", "отвеча", "согласован", "respons", "задерж")
             for ending in ("ing", "ed", "ations", "ами", "иями", "ness", "ого", "ement")] * 40
    expected = [stem.__wrapped__(word) for word in words]  # one by one, past the cache
    results, errors = [], []

    def work():
        try:
            results.append([stem.__wrapped__(word) for word in words])
        except Exception as error:  # noqa: BLE001  (what a thread raises is the finding)
            errors.append(error)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns as often as they can
    try:
        threads = [threading.Thread(target=work) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == [] and results == [expected] * 8
