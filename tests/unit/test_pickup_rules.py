"""Who may collect a child (``attendance.rules.check_pickup``), the order of taps (``tap_order``) and the short
ids of the day list. Each property's docstring states the law."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from hypothesis import example, given, settings
from hypothesis import strategies as st

from huiskamer.attendance.rules import check_pickup, stands_after, tap_order
from huiskamer.attendance.schemas import read_short_id
from huiskamer.site.templating import short_id
from huiskamer.text import fold, folded_words

unit = settings(settings.get_profile("unit"))

words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéëöüçÖÉ", min_size=1, max_size=8)
names = st.lists(words, min_size=1, max_size=3).map(" ".join)


def written_otherwise(name: str, draw_case: list[bool]) -> str:
    """The same name as someone else types it: other case, extra punctuation and spaces."""
    cased = "".join(ch.upper() if flip else ch for ch, flip in zip(name, draw_case + [False] * len(name), strict=False))
    return " ( " + cased.replace(" ", " -  ") + " ) "


def test_the_examples_read_as_a_kinderwerker_means_them():
    allowed = ["M. Jansen (moeder)", "Oma Öztürk"]
    assert check_pickup("M. Jansen (moeder)", allowed, []) is None
    assert check_pickup("oma ozturk", allowed, []) is None
    assert check_pickup("P. Jansen (vader)", allowed, []).not_allowed is None  # not on the list
    refused = check_pickup("P. Jansen (vader)", allowed, ["vader"])
    assert refused is not None and refused.not_allowed == "vader"
    assert "mag Noor niet ophalen" in refused.warning("Noor")
    # A short not-allowed entry does not stop the allowed person written in full ...
    assert check_pickup("M. Jansen (moeder)", allowed, ["Jansen"]) is None
    # ... but someone else of that name is stopped, and an exact entry always wins.
    assert check_pickup("P. Jansen", allowed, ["Jansen"]).not_allowed == "Jansen"
    assert check_pickup("Oma Öztürk", allowed, ["oma ozturk"]).not_allowed == "oma ozturk"
    assert check_pickup("Tante Ria", [], []).warning("Noor").startswith("Let op: Tante Ria staat niet op de lijst")


@unit
@given(person=names, others=st.lists(names, max_size=3), case=st.lists(st.booleans(), max_size=30))
def test_an_allowed_person_passes_however_the_name_is_typed(person, others, case):
    """Case, accents, spaces and punctuation do not matter: an allowed person passes as long as nobody on the
    not-allowed list is written the same way."""
    assert check_pickup(written_otherwise(person, case), [*others, person], []) is None


@unit
@given(person=names, allowed=st.lists(names, max_size=3), extra=st.lists(words, max_size=2))
@example(person="vader", allowed=["vader"], extra=[])
def test_a_not_allowed_person_always_warns(person, allowed, extra):
    """Whoever carries every word of a not-allowed entry warns and names that entry, unless they are written
    exactly as an allowed person (and not exactly as the entry); an exact entry warns always."""
    collector = " ".join([*extra, person])
    check = check_pickup(collector, allowed, [person])
    exactly_allowed = any(folded_words(a) == folded_words(collector) for a in allowed)
    if folded_words(collector) == folded_words(person) or not exactly_allowed:
        assert check is not None and check.not_allowed == person
    else:
        assert check is None


@unit
@given(collector=names, allowed=st.lists(names, max_size=3))
def test_anyone_else_warns_as_not_on_the_list(collector, allowed):
    """Without a not-allowed list, the check passes exactly the allowed persons."""
    check = check_pickup(collector, allowed, [])
    assert (check is None) == any(folded_words(a) == folded_words(collector) for a in allowed)
    if check is not None:
        assert check.not_allowed is None


def test_folding_ignores_case_and_accents():
    assert fold("Öztürk") == "ozturk" and fold("IŞIK") == "isik" and fold("Søren") == "soren"
    assert folded_words("P. Jansen (vader)") == ("p", "jansen", "vader")


@unit
@given(
    moments=st.lists(st.tuples(st.integers(0, 5), st.uuids()), min_size=1, max_size=8, unique_by=lambda pair: pair[1])
)
def test_the_latest_tap_is_the_same_whatever_the_order_of_arrival(moments):
    """Taps are ordered by the phone's clock and then by id: folding them in any order with ``stands_after``
    ends on the same tap, the greatest by ``tap_order``."""
    base = datetime(2026, 9, 7, 15, 0, tzinfo=UTC)
    taps = [(base + timedelta(seconds=second), tap_id) for second, tap_id in moments]
    for order in (taps, list(reversed(taps)), sorted(taps, key=lambda tap: tap[1].int)):
        latest = None
        for tap in order:
            if stands_after(*tap, latest):
                latest = tap
        assert latest == max(taps, key=lambda tap: tap_order(*tap))


@unit
@given(value=st.uuids())
def test_a_short_id_reads_back_as_the_same_uuid(value):
    """The day list's 22-character keys turn back into the placement id, and nothing else does."""
    key = short_id(value)
    assert len(key) == 22 and read_short_id(key) == value


def test_a_key_that_is_no_short_id_is_bad_input():
    import pytest

    from huiskamer.errors import InvalidInput

    for key in ("", "x", "!" * 22, str(UUID(int=1)), "A" * 21 + "=="):
        with pytest.raises(InvalidInput):
            read_short_id(key)
