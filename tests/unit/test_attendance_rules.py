"""The pure rules of ``huiskamer.attendance.rules``: who is expected on a date, and when unexcused absences reach
the concern threshold. Each property's docstring states the law; the references below answer the same question
the slow way (expanding a placement into its dates, trying every window)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from hypothesis import example, given, settings
from hypothesis import strategies as st

from huiskamer.attendance.rules import (
    MARKS,
    MARKS_BY_CODE,
    UNDO,
    busiest_window,
    concern_text,
    concern_window,
    expected_on,
    is_expected_on,
    mark_of,
    reaches_threshold,
)
from huiskamer.placements.rules import peak_load
from huiskamer.validation import WEEKDAYS

unit = settings(settings.get_profile("unit"))

BASE = date(2026, 8, 31)  # a Monday


@dataclass(frozen=True)
class Span:
    weekdays: frozenset[str]
    start_date: date
    end_date: date | None


def near(lo: int = -30, hi: int = 90) -> st.SearchStrategy[date]:
    return st.integers(lo, hi).map(lambda n: BASE + timedelta(days=n))


@st.composite
def placements(draw: st.DrawFn) -> Span:
    start = draw(near())
    end = draw(st.one_of(st.none(), st.integers(0, 80).map(lambda n: start + timedelta(days=n))))
    days = draw(st.frozensets(st.sampled_from(WEEKDAYS[:5]), min_size=1, max_size=5))
    return Span(days, start, end)


def dates_of(span: Span, until: date) -> set[date]:
    """Every date the placement covers on one of its weekdays, walked one by one up to ``until``."""
    found, day = set(), span.start_date
    last = min(span.end_date or until, until)
    while day <= last:
        if WEEKDAYS[day.weekday()] in span.weekdays:
            found.add(day)
        day += timedelta(days=1)
    return found


@unit
@given(st.lists(placements(), max_size=15), near(), st.frozensets(near(), max_size=6))
def test_the_expected_children_are_exactly_those_whose_placement_covers_the_date_and_weekday(spans, day, closed):
    """A child is on the day list of ``day`` exactly when ``day`` is one of the dates its placement covers (its
    weekdays between start and end, both included) and the location is not closed that day."""
    expected = expected_on(spans, day, closed)
    for span in spans:
        covered = day in dates_of(span, day + timedelta(days=1)) and day not in closed
        assert (span in expected) == covered
        assert is_expected_on(span, day, closed) == covered
    assert expected == [span for span in spans if span in expected], "the order of the placements is kept"


@unit
@given(placements(), st.frozensets(near(), max_size=6))
def test_nobody_is_expected_on_a_closure_day_or_outside_the_placement(span, closed):
    """On a closure day, before the start and after the end date, the child is not expected."""
    for day in closed:
        assert not is_expected_on(span, day, closed)
    assert not is_expected_on(span, span.start_date - timedelta(days=1), closed)
    if span.end_date is not None:
        assert not is_expected_on(span, span.end_date + timedelta(days=1), closed)


@st.composite
def capacity_and_placements(draw: st.DrawFn) -> tuple[dict[str, int], list[Span]]:
    """Placements that went through the capacity check the way the placement service does it: a placement from
    its start date is taken only when every one of its weekdays has a free seat at the busiest moment from then
    on (``peak_load`` + 1 <= capacity)."""
    capacity = {day: draw(st.integers(0, 4)) for day in WEEKDAYS[:5]}
    taken: list[Span] = []
    for wish in draw(st.lists(placements(), max_size=25)):
        fits = all(
            peak_load(day, [(s.start_date, s.end_date) for s in taken if day in s.weekdays], wish.start_date) + 1
            <= capacity[day]
            for day in wish.weekdays
        )
        if fits:
            taken.append(wish)
    return capacity, taken


@unit
@given(capacity_and_placements(), near(-30, 200))
def test_the_day_list_never_holds_more_children_than_the_capacity_of_that_weekday(placed, day):
    """When every placement respected the capacity when it was made, no day's list is longer than that
    weekday's capacity."""
    capacity, spans = placed
    expected = expected_on(spans, day)
    weekday = WEEKDAYS[day.weekday()]
    assert len(expected) <= capacity.get(weekday, 0)


# --- the concern threshold ---------------------------------------------------------------------------


def brute_most_in_a_window(days: list[date], window: int) -> int:
    """For every start date from the first absence on, count the absences within ``window`` days from it."""
    if not days:
        return 0
    best = 0
    start = min(days)
    while start <= max(days):
        best = max(best, len({d for d in days if start <= d <= start + timedelta(days=window - 1)}))
        start += timedelta(days=1)
    return best


absences = st.lists(near(0, 120), max_size=12)


@unit
@given(absences, st.integers(1, 60), st.integers(1, 6))
@example([BASE, BASE + timedelta(days=29), BASE + timedelta(days=14)], 30, 3)
@example([BASE, BASE + timedelta(days=30), BASE + timedelta(days=14)], 30, 3)
def test_the_threshold_is_reached_when_that_many_absences_fall_within_the_window(days, window, threshold):
    """Reached exactly when some ``window`` consecutive days (first and last included) hold at least
    ``threshold`` distinct absence dates; the same date twice counts once."""
    assert reaches_threshold(days, threshold, window) == (brute_most_in_a_window(days, window) >= threshold)
    group = busiest_window(days, window)
    assert len(group) == brute_most_in_a_window(days, window)
    if group:
        assert (group[-1] - group[0]).days < window
        assert list(group) == sorted(set(group))


@unit
@given(absences, near(0, 120), st.integers(1, 60), st.integers(1, 6))
def test_one_more_absence_never_takes_a_reached_threshold_away(days, extra, window, threshold):
    """Adding an absence can only bring the threshold nearer (so a concern is raised on the tap that reaches
    it); taking one away (a correction to 'with notice') can only move it further off."""
    if reaches_threshold(days, threshold, window):
        assert reaches_threshold([*days, extra], threshold, window)
    if not reaches_threshold([*days, extra], threshold, window):
        assert not reaches_threshold(days, threshold, window)


@unit
@given(absences, near(0, 120), st.integers(1, 60), st.integers(1, 6))
def test_only_the_days_around_a_tap_can_change_whether_its_window_is_reached(days, tapped, window, threshold):
    """A window that holds the tapped day lies within ``concern_window``: reading only those days answers
    whether the tap reaches the threshold together with the days before and after it."""
    lo, hi = concern_window(tapped, window)
    near_days = [d for d in days if lo <= d <= hi]
    with_tap = brute_most_in_a_window([*near_days, tapped], window)
    around = max(
        (
            len({d for d in [*days, tapped] if start <= d <= start + timedelta(days=window - 1)})
            for start in (tapped - timedelta(days=n) for n in range(window))
        ),
        default=0,
    )
    assert with_tap >= around


def test_the_examples_read_as_the_beheerder_means_them():
    """Three unexcused absences on 1, 15 and 30 March are three in 30 days; on 1, 15 and 31 March they are not."""
    first = date(2027, 3, 1)
    assert reaches_threshold([first, date(2027, 3, 15), date(2027, 3, 30)], 3, 30)
    assert not reaches_threshold([first, date(2027, 3, 15), date(2027, 3, 31)], 3, 30)
    assert not reaches_threshold([first, date(2027, 3, 15)], 3, 30)
    assert not reaches_threshold([first] * 5, 3, 30), "one date counted once"


def test_the_concern_names_the_days():
    text = concern_text("Noor", [date(2027, 3, 15), date(2027, 3, 1), date(2027, 3, 8)], 30, lambda d: f"{d.day}-3")
    assert text == "Noor was 3 keer afwezig zonder bericht binnen 30 dagen: 1-3, 8-3 en 15-3."


def test_every_button_shows_as_chosen_after_its_own_tap():
    for mark in (*MARKS, UNDO):
        assert mark_of(mark.status, mark.absence_reason) == mark
    assert mark_of("absent_excused", None) == MARKS_BY_CODE["other"]
    assert mark_of("nonsense", None) == UNDO
