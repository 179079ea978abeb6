"""Occupancy's placed days (``reports.rules.placed_days``) against counting day by day: every day of the period
on which a placement runs counts for its weekday, and also as closed when its location was closed that day."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from huiskamer.reports.rules import Period, PlacedSpan, placed_days

DAYS = st.dates(date(2024, 12, 1), date(2025, 3, 31))
LOCATIONS = st.sampled_from(["a", "b", "c"])


@st.composite
def periods(draw: st.DrawFn) -> Period:
    start = draw(DAYS)
    return Period(start, start + timedelta(days=draw(st.integers(0, 80))))


@st.composite
def spans(draw: st.DrawFn) -> PlacedSpan:
    start = draw(DAYS)
    end = draw(st.none() | st.integers(0, 90).map(lambda days: start + timedelta(days=days)))
    weekdays = draw(st.frozensets(st.integers(0, 6), max_size=7))
    return PlacedSpan(draw(LOCATIONS), weekdays, start, end)


def by_day(spans: list[PlacedSpan], closed: set[tuple[str, date]], period: Period) -> tuple[list[int], list[int]]:
    placed, closed_placed = [0] * 7, [0] * 7
    day = period.start
    while day <= period.end:
        for span in spans:
            runs = span.start <= day and (span.end is None or day <= span.end) and day.weekday() in span.weekdays
            if runs:
                placed[day.weekday()] += 1
                closed_placed[day.weekday()] += (span.location, day) in closed
        day += timedelta(days=1)
    return placed, closed_placed


@given(
    spans=st.lists(spans(), max_size=8),
    closed=st.lists(st.tuples(LOCATIONS, DAYS), max_size=30),
    period=periods(),
)
def test_placed_and_closed_days_equal_counting_day_by_day(spans, closed, period):
    assert placed_days(spans, closed, period) == by_day(spans, set(closed), period)
