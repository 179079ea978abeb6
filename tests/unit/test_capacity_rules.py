"""The capacity arithmetic of ``huiskamer.placements.rules``, checked with hypothesis against a brute-force count.

``peak_load(weekday, intervals, from_date)`` answers: of the concrete dates that fall on ``weekday`` on or after
``from_date``, on the busiest one, how many intervals (start, end or None) hold a seat? The reference below
answers the same question the slow way: it walks every such date in a window that reaches a week past the last
start or end, and counts the intervals that cover it. Past that window nothing changes any more (every finite
interval has ended, every open one has begun), so its maximum is the maximum over all dates.

Each test's docstring states the law it checks.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import example, given, settings
from hypothesis import strategies as st

from huiskamer.placements.rules import first_on_or_after, free_seats, last_on_or_before, peak_load, weekday_of
from huiskamer.validation import WEEKDAYS

unit = settings(settings.get_profile("unit"))

BASE = date(2026, 8, 31)  # a Monday; the dates below lie within some ten weeks of it
Interval = tuple[date, date | None]


def day_near_base() -> st.SearchStrategy[date]:
    return st.integers(-21, 70).map(lambda n: BASE + timedelta(days=n))


@st.composite
def intervals(draw: st.DrawFn) -> Interval:
    """Open-ended ones, short ones (often shorter than a week, so they may cover no date of a weekday at all),
    and long ones."""
    start = draw(day_near_base())
    kind = draw(st.sampled_from(("open", "short", "short", "long")))
    if kind == "open":
        return start, None
    length = draw(st.integers(0, 6) if kind == "short" else st.integers(7, 80))
    return start, start + timedelta(days=length)


interval_lists = st.lists(intervals(), max_size=12)
weekdays = st.sampled_from(WEEKDAYS)


def covers(interval: Interval, day: date) -> bool:
    start, end = interval
    return start <= day and (end is None or day <= end)


def brute_peak(weekday: str, spans: list[Interval], from_date: date) -> int:
    """The maximum, over every date with this weekday from ``from_date`` up to a week past the last boundary,
    of the number of intervals covering that date."""
    boundaries = [from_date] + [start for start, _ in spans] + [end for _, end in spans if end is not None]
    last = max(boundaries) + timedelta(days=7)
    best = 0
    day = from_date
    while day <= last:
        if weekday_of(day) == weekday:
            best = max(best, sum(covers(span, day) for span in spans))
        day += timedelta(days=1)
    return best


@unit
@given(weekday=weekdays, spans=interval_lists, from_date=day_near_base())
@example(weekday="mon", spans=[(date(2026, 9, 7), date(2026, 9, 13)), (date(2026, 9, 14), None)], from_date=BASE)
@example(weekday="mon", spans=[(date(2026, 9, 8), date(2026, 9, 13))], from_date=BASE)
@example(weekday="wed", spans=[(date(2026, 9, 1), None), (date(2026, 9, 1), date(2026, 9, 1))], from_date=BASE)
def test_peak_load_equals_the_busiest_concrete_date(weekday: str, spans: list[Interval], from_date: date) -> None:
    """peak_load is the largest number of intervals covering one date with that weekday on or after from_date;
    0 when no interval covers any such date."""
    assert peak_load(weekday, spans, from_date) == brute_peak(weekday, spans, from_date)


@unit
@given(weekday=weekdays, spans=interval_lists, from_date=day_near_base())
def test_peak_load_does_not_depend_on_the_order_of_the_intervals(
    weekday: str, spans: list[Interval], from_date: date
) -> None:
    """The same intervals in any order give the same peak."""
    assert peak_load(weekday, spans, from_date) == peak_load(weekday, list(reversed(spans)), from_date)
    assert peak_load(weekday, spans, from_date) == peak_load(weekday, sorted(spans, key=str), from_date)


@unit
@given(weekday=weekdays, span=intervals(), from_date=day_near_base())
def test_one_interval_holds_one_seat_exactly_when_it_covers_such_a_date(
    weekday: str, span: Interval, from_date: date
) -> None:
    """A single interval gives 1 if it covers some date with that weekday on or after from_date, else 0 (a short
    interval between two such dates, or one that ended before from_date, holds nothing)."""
    start, end = span
    first = first_on_or_after(max(start, from_date), weekday)
    expected = 1 if end is None or first <= end else 0
    assert peak_load(weekday, [span], from_date) == expected


@unit
@given(
    weekday=weekdays,
    start=day_near_base(),
    length=st.integers(0, 60),
    second_open=st.booleans(),
    copies=st.integers(1, 4),
)
def test_an_interval_ending_the_day_before_another_starts_shares_no_day_with_it(
    weekday: str, start: date, length: int, second_open: bool, copies: int
) -> None:
    """Seats freed after an end date can be taken from the next day: intervals that end on day d and intervals
    that start on day d + 1 never add up, whatever the weekday."""
    end = start + timedelta(days=length)
    follow_start = end + timedelta(days=1)
    follow_end = None if second_open else follow_start + timedelta(days=length)
    spans = [(start, end)] * copies + [(follow_start, follow_end)] * copies
    assert peak_load(weekday, spans, start) <= copies
    assert peak_load(weekday, spans, start) == brute_peak(weekday, spans, start)


@unit
@given(weekday=weekdays, spans=interval_lists, from_date=day_near_base(), later=st.integers(0, 40))
def test_the_peak_never_grows_when_from_date_moves_later(
    weekday: str, spans: list[Interval], from_date: date, later: int
) -> None:
    """Counting from a later date looks at fewer dates, so the peak can only stay or drop."""
    assert peak_load(weekday, spans, from_date + timedelta(days=later)) <= peak_load(weekday, spans, from_date)


@unit
@given(weekday=weekdays, spans=interval_lists, extra=intervals(), from_date=day_near_base())
def test_one_more_interval_raises_the_peak_by_at_most_one(
    weekday: str, spans: list[Interval], extra: Interval, from_date: date
) -> None:
    """Adding a claim never lowers the peak and raises it by at most one seat."""
    before = peak_load(weekday, spans, from_date)
    after = peak_load(weekday, [*spans, extra], from_date)
    assert before <= after <= before + 1


@unit
@given(weekday=weekdays, spans=interval_lists, from_date=day_near_base())
def test_intervals_that_end_before_from_date_hold_nothing(weekday: str, spans: list[Interval], from_date: date) -> None:
    """An interval that ended before from_date adds nothing to the peak from that date on."""
    ended = [(from_date - timedelta(days=30), from_date - timedelta(days=1))] * 3
    assert peak_load(weekday, spans + ended, from_date) == peak_load(weekday, spans, from_date)


@unit
@given(weekday=weekdays, day=day_near_base())
def test_first_on_or_after_and_last_on_or_before_find_the_nearest_such_day(weekday: str, day: date) -> None:
    """first_on_or_after gives the earliest date with that weekday not before the day (within six days after);
    last_on_or_before the latest not after it (within six days before); on that weekday both give the day."""
    first, last = first_on_or_after(day, weekday), last_on_or_before(day, weekday)
    assert weekday_of(first) == weekday == weekday_of(last)
    assert 0 <= (first - day).days <= 6
    assert 0 <= (day - last).days <= 6
    if weekday_of(day) == weekday:
        assert first == last == day


@unit
@given(
    capacity=st.dictionaries(weekdays, st.integers(0, 70)),
    held=st.dictionaries(weekdays, st.integers(0, 80)),
)
def test_free_seats_are_capacity_minus_held_and_never_negative(capacity: dict[str, int], held: dict[str, int]) -> None:
    """Every weekday gets an entry: the capacity (0 when absent) minus what is held, but never below zero."""
    free = free_seats(capacity, held)
    assert set(free) == set(WEEKDAYS)
    for day in WEEKDAYS:
        assert free[day] == max(capacity.get(day, 0) - held.get(day, 0), 0)


def test_a_week_of_examples_reads_as_expected() -> None:
    """Readable cases: a placement ending on Sunday 13 September and one starting Monday 14 September share no
    Monday; an offer open from Tuesday 8 September counts on Monday 14 September but not on Monday 7 September."""
    mon_7, sun_13, mon_14 = date(2026, 9, 7), date(2026, 9, 13), date(2026, 9, 14)
    assert peak_load("mon", [(mon_7, sun_13), (mon_14, None)], mon_7) == 1
    assert peak_load("mon", [(mon_7, mon_14), (mon_14, None)], mon_7) == 2
    assert peak_load("mon", [(date(2026, 9, 8), None), (mon_7, mon_7)], mon_7) == 1
    assert peak_load("mon", [(date(2026, 9, 8), date(2026, 9, 12))], mon_7) == 0
    assert peak_load("tue", [(date(2026, 9, 8), date(2026, 9, 12))], mon_7) == 1
    assert peak_load("mon", [(mon_7, sun_13)], mon_14) == 0


@unit
@given(
    weekday=weekdays,
    tail=st.lists(st.tuples(st.integers(0, 20), st.one_of(st.none(), st.integers(0, 20))), max_size=5),
    from_back=st.integers(0, 20),
)
def test_the_last_days_of_the_calendar_do_not_overflow(
    weekday: str, tail: list[tuple[int, int | None]], from_back: int
) -> None:
    """Intervals and from-dates in the last weeks before 31 December 9999 give the same peak as the brute count
    over the dates that exist; they never raise an overflow."""
    spans: list[Interval] = []
    for start_back, end_back in tail:
        start = date.max - timedelta(days=start_back)
        end = None if end_back is None else max(start, date.max - timedelta(days=end_back))
        spans.append((start, end))
    from_date = date.max - timedelta(days=from_back)
    expected = 0
    day = from_date
    while True:
        if weekday_of(day) == weekday:
            expected = max(expected, sum(covers(span, day) for span in spans))
        if day == date.max:
            break
        day += timedelta(days=1)
    assert peak_load(weekday, spans, from_date) == expected
