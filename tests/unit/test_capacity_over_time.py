"""Capacity that changes from a date on: the fewest seats left and the first day short, against a brute-force
count over every day."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from huiskamer.placements.rules import first_short, seats_on
from huiskamer.validation import WEEKDAYS

BASE = date(2027, 1, 4)  # a Monday
offsets = st.integers(min_value=0, max_value=70)


@st.composite
def cases(draw):
    steps = sorted(
        {(BASE + timedelta(days=d), n) for d, n in draw(st.lists(st.tuples(offsets, st.integers(0, 4)), max_size=4))},
        key=lambda step: step[0],
    )
    # One step per date (the table's unique key).
    steps = list({valid_from: (valid_from, n) for valid_from, n in steps}.values())
    intervals = []
    for start, length in draw(st.lists(st.tuples(offsets, st.one_of(st.none(), st.integers(0, 40))), max_size=6)):
        begin = BASE + timedelta(days=start)
        intervals.append((begin, None if length is None else begin + timedelta(days=length)))
    return (
        draw(st.sampled_from(WEEKDAYS)),
        steps,
        intervals,
        BASE + timedelta(days=draw(offsets)),
        draw(st.integers(0, 1)),
    )


def brute_force(weekday, steps, intervals, from_date, extra):
    horizon = BASE + timedelta(days=200)  # after every start, end and step: nothing changes any more
    least, short = None, None
    day = from_date
    while day <= horizon:
        if WEEKDAYS[day.weekday()] == weekday:
            held = sum(1 for start, end in intervals if start <= day and (end is None or end >= day))
            left = seats_on(steps, day) - held - extra
            least = left if least is None else min(least, left)
            if left < 0 and short is None:
                short = day
        day += timedelta(days=1)
    return least, short


@settings(max_examples=300, deadline=None)
@given(cases())
def test_first_short_agrees_with_counting_every_day(case):
    """The fewest seats left from a date on, and the first day a request would not fit, are what counting every
    day finds: the capacity valid that day less the claims holding it."""
    weekday, steps, intervals, from_date, extra = case
    assert first_short(weekday, intervals, steps, from_date, extra) == brute_force(
        weekday, steps, intervals, from_date, extra
    )


def test_a_higher_capacity_from_january_lets_one_more_in_only_from_then():
    steps = [(date(2000, 1, 1), 1), (date(2027, 1, 1), 2)]
    taken = [(date(2026, 12, 7), None)]
    assert first_short("mon", taken, steps, date(2026, 12, 7), extra=1) == (-1, date(2026, 12, 7))
    assert first_short("mon", taken, steps, date(2027, 1, 4), extra=1) == (0, None)


def test_the_school_holiday_table_is_well_formed():
    """Every region has the same holidays of each school year, each from a Saturday to a Sunday, in order."""
    from huiskamer.locations.holidays import REGIONS, SCHOOL_HOLIDAYS, suggestions

    assert set(SCHOOL_HOLIDAYS) == set(REGIONS)
    names = {region: [h.name for h in holidays] for region, holidays in SCHOOL_HOLIDAYS.items()}
    assert len({tuple(n) for n in names.values()}) == 1
    for holidays in SCHOOL_HOLIDAYS.values():
        for holiday in holidays:
            assert holiday.first_day.weekday() == 5 and holiday.last_day.weekday() == 6
            assert holiday.first_day < holiday.last_day
        assert [h.first_day for h in holidays] == sorted(h.first_day for h in holidays)
    christmas = next(h for h in SCHOOL_HOLIDAYS["noord"] if h.name == "Kerstvakantie")
    left = suggestions("noord", date(2026, 12, 1), [(christmas.first_day, christmas.first_day)])
    assert christmas not in left and all(h.last_day >= date(2026, 12, 1) for h in left)
