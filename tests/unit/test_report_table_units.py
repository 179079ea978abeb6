"""A percentage column holds percentages only: a value over too few children is a mark, its reason a note."""

from huiskamer.reports.rules import Derived
from huiskamer.reports.tables import SMALL_BASE, Column, Row, Table, format_value


def _occupancy(*values: Derived) -> Table:
    return Table(
        "bezetting",
        "Bezetting",
        "occupancy",
        "Weekdag",
        (Column("2024", "percent"),),
        tuple(Row(f"dag {index}", (value,)) for index, value in enumerate(values)),
    )


def test_a_percentage_over_fewer_than_5_children_shows_no_count_of_children():
    shown = format_value(Derived(None, small=True), "percent")
    assert shown == SMALL_BASE
    assert "kinderen" not in shown


def test_the_note_stands_under_a_table_only_when_a_value_is_left_out():
    assert _occupancy(Derived(0.8), Derived(0.5)).small_base_note is None
    note = _occupancy(Derived(0.8), Derived(None, small=True)).small_base_note
    assert note is not None
    assert note.startswith("*") and "minder dan 5 kinderen" in note
