"""The story of a period stays anonymous: the names and dates of birth of the children in scope are found in a
text however they are written (next to an apostrophe or hyphen, in capitals, without accents, a date with a
two-digit year or an abbreviated month), and ordinary words are not taken for names.

The pure matching (``names_in``, ``dates_in``); tests/web/test_reports_web.py refuses such stories for real.
"""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from huiskamer.reports.stories import dates_in, fold, names_in

unit = settings(settings.get_profile("unit"))

# The children of Huiskamer De Vaart (given and family names), as the database holds them.
NAMES = ("Jesse", "Mees", "Ayla", "Öztürk", "Milan", "El Amrani", "Sophie", "Jansen-de Vries")
BORN = date(2021, 7, 3)


def found(text: str) -> list[str]:
    return [shown for _, shown in names_in(text, NAMES)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jesse's moeder kwam elke week mee.", ["Jesse"]),
        ("Jesse’s moeder kwam elke week mee.", ["Jesse"]),
        ("‘Jesse’ zei dat hij het leuk vond.", ["Jesse"]),
        ("Jesse-Mees speelde graag buiten.", ["Jesse", "Mees"]),
        ("De familie ÖZTÜRK was blij.", ["ÖZTÜRK"]),
        ("De familie Ozturk was blij.", ["Ozturk"]),
        ("Mees Öztürk bakte taart.", ["Mees", "Öztürk"]),
        ("Jesse is gegroeid.", ["Jesse"]),
        ("(Jesse) en Ayla.", ["Jesse", "Ayla"]),
        ("Een kind uit de familie el Amrani.", ["el Amrani"]),
        ("De broer van Jansen-de Vries.", ["Jansen-de Vries"]),
        ("Een kind van de familie Jansen.", ["Jansen"]),
        ("Jes\u00adse kwam.", ["Jesse"]),  # a soft hyphen does not hide a name
        ("Öz\u0308", []),  # no crash on a lone accent
    ],
)
def test_a_name_is_found_however_it_is_written(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Een jongen van 8 leerde in maart zijn boosheid te benoemen.",
        "De meeste kinderen kwamen vaker.",
        "Meestal kwamen de kinderen op tijd.",
        "Een meisje van 10 vond een vriendin; haar moeder was blij.",
        "Het kind van de buren kwam met Vries, de hond.",  # "Vries" alone is not "de Vries" of a child
        "jesse schreef zichzelf zonder hoofdletter.",  # a name is written with its capital
        "",
    ],
)
def test_ordinary_words_are_no_names(text):
    assert found(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Geboren op 3-7-21.",
        "Geboren op 3/7/21.",
        "Geboren op 3.7.21.",
        "Geboren op 03-07-2021.",
        "Geboren op 2021-07-03.",
        "Geboren op 3 jul 2021.",
        "Geboren op 3 jul. 2021.",
        "Geboren op 3 juli 2021.",
        "Geboren op 3 JULI '21.",
        "Geboren op 3 Jul 21.",
    ],
)
def test_a_date_is_found_however_it_is_written(text):
    assert BORN in [day for _, day in dates_in(text)]


@pytest.mark.parametrize(
    "text",
    [
        "Een jongen van 8 leerde in maart zijn boosheid te benoemen.",
        "Op 3 juli was er een feest.",  # no year: no date of birth
        "Bel 0612345678 of kom langs op nummer 3.",
        "Groep 3 telde 21 kinderen.",
    ],
)
def test_text_without_a_date_holds_none(text):
    assert dates_in(text) == []


# Anything that separates words: spaces, punctuation, apostrophes and hyphens of every kind.
SEPARATORS = " \n\t.,;:!?'’‘\"“”()[]/-–—_*&"
ORDINARY = ("de", "het", "kind", "kwam", "vaak", "meeste", "moeder", "Samen", "Buiten", "spelen")


def _cased(name: str, flips: list[bool], accents: bool) -> str:
    """The name with its first letter a capital, the other letters in any case, with or without accents."""
    flips = (flips + [False] * len(name))[: len(name)]
    letters = [ch.upper() if flip else ch.lower() for ch, flip in zip(name, flips, strict=True)]
    written = name[:1].upper() + "".join(letters[1:])
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", written) if not unicodedata.combining(ch))
    return written if accents else plain


@unit
@given(
    name=st.sampled_from(NAMES),
    flips=st.lists(st.booleans(), max_size=20),
    accents=st.booleans(),
    before=st.lists(st.sampled_from(ORDINARY), max_size=3),
    after=st.lists(st.sampled_from(ORDINARY), max_size=3),
    left=st.text(alphabet=SEPARATORS, min_size=1, max_size=4),
    right=st.text(alphabet=SEPARATORS, min_size=1, max_size=4),
)
def test_a_name_of_the_scope_is_found_between_any_punctuation_in_any_case(
    name, flips, accents, before, after, left, right
):
    written = _cased(name, flips, accents)
    text = " ".join(before) + left + written + right + " ".join(after)
    assert fold(written) in [fold(shown) for shown in found(text)], text


@unit
@given(
    name=st.sampled_from([name for name in NAMES if name.isalpha()]),
    glued=st.text(alphabet="abcdefghijklmnopqrstuvwxyzéë", min_size=1, max_size=4),
    in_front=st.booleans(),
)
def test_a_name_within_a_longer_word_is_not_found(name, glued, in_front):
    word = glued + name.lower() if in_front else name + glued
    assume(fold(word) not in {fold(other) for other in NAMES})
    assert found(f"De {word} kwam.") == []


@unit
@given(
    born=st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31)),
    form=st.sampled_from(
        (
            "{d}-{m}-{yy}",
            "{d}/{m}/{yy}",
            "{d}.{m}.{yy}",
            "{dd}-{mm}-{yyyy}",
            "{yyyy}-{mm}-{dd}",
            "{d} {month} {yyyy}",
            "{d} {mon} {yy}",
            "{dd} {mon}. {yyyy}",
        )
    ),
    left=st.text(alphabet=" ([:", max_size=2),
    right=st.text(alphabet=" .,;)]", max_size=2),
)
def test_a_date_written_in_any_of_the_ways_is_found(born, form, left, right):
    months = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september")
    months += ("oktober", "november", "december")
    short = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
    written = form.format(
        d=born.day,
        dd=f"{born.day:02}",
        m=born.month,
        mm=f"{born.month:02}",
        yy=f"{born.year % 100:02}",
        yyyy=born.year,
        month=months[born.month - 1],
        mon=short[born.month - 1],
    )
    assert born in [day for _, day in dates_in(f"Geboren{left or ' '}{written}{right}")], written
