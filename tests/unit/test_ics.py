"""RFC 5545 text in the intake's agenda file: folded lines of at most 75 octets that unfold to what was written."""

from hypothesis import given
from hypothesis import strategies as st

from huiskamer.intake.agenda import _escape, _fold


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=400))
def test_a_folded_line_has_at_most_75_octets_a_line_and_unfolds_to_the_original(text):
    folded = _fold(f"SUMMARY:{text}")
    assert all(len(line.encode("utf-8")) <= 75 for line in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == f"SUMMARY:{text}"


def test_text_values_escape_the_separators_and_line_breaks():
    assert _escape("Noor; De Vaart, groep 2\nboven\\") == "Noor\\; De Vaart\\, groep 2\\nboven\\\\"
