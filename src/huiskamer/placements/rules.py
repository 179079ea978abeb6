"""Pure capacity arithmetic: how many seats are held on a weekday, at the busiest moment from a date on."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from huiskamer.validation import WEEKDAYS

ONE_DAY = timedelta(days=1)
LAST_DAY = date.max.toordinal()


def weekday_of(day: date) -> str:
    return WEEKDAYS[day.weekday()]


def first_on_or_after(day: date, weekday: str) -> date:
    return day + timedelta(days=(WEEKDAYS.index(weekday) - day.weekday()) % 7)


def last_on_or_before(day: date, weekday: str) -> date:
    return day - timedelta(days=(day.weekday() - WEEKDAYS.index(weekday)) % 7)


def peak_load(weekday: str, intervals: Iterable[tuple[date, date | None]], from_date: date) -> int:
    """The most claims that hold a seat on the same ``weekday`` on any such day on or after ``from_date``.

    Each interval is (start, end or None for open-ended). Only the days that are ``weekday`` count: a claim
    ending on a Wednesday and one starting the Tuesday before share no Monday. Days are counted as ordinals,
    so that a claim ending on 31 December 9999 does not overflow the calendar.
    """
    index = WEEKDAYS.index(weekday)
    events: list[tuple[int, int]] = []
    for start, end in intervals:
        begin = max(start, from_date)
        first = begin.toordinal() + (index - begin.weekday()) % 7
        if first > LAST_DAY:
            continue
        if end is not None:
            last = end.toordinal() - (end.weekday() - index) % 7
            if last < first:
                continue
            events.append((last + 1, -1))
        events.append((first, 1))
    # On one day, a claim that ended the day before is gone before the next one counts.
    events.sort()
    load = peak = 0
    for _, delta in events:
        load += delta
        peak = max(peak, load)
    return peak


def free_seats(capacity: dict[str, int], held: dict[str, int]) -> dict[str, int]:
    return {weekday: max(capacity.get(weekday, 0) - held.get(weekday, 0), 0) for weekday in WEEKDAYS}


def seats_on(steps: Sequence[tuple[date, int]], day: date) -> int:
    """The seats of the step valid on ``day``: the latest that starts on or before it; 0 before the first."""
    seats = 0
    for valid_from, count in steps:
        if valid_from <= day:
            seats = count
    return seats


def first_short(
    weekday: str,
    intervals: Iterable[tuple[date, date | None]],
    steps: Sequence[tuple[date, int]],
    from_date: date,
    extra: int = 0,
) -> tuple[int, date | None]:
    """The fewest seats left on any ``weekday`` on or after ``from_date`` (capacity valid that day less the claims
    holding it, less ``extra``), and the first such day where that is below zero (None when never).

    Load and capacity only change on the first ``weekday`` a claim holds, the one after it ends, and the first
    ``weekday`` a capacity step counts; between those days both are constant, so looking at those days is enough.
    """
    index = WEEKDAYS.index(weekday)

    def aligned(day: date) -> int:
        return day.toordinal() + (index - day.weekday()) % 7

    start = aligned(from_date)
    events: list[tuple[int, int]] = []
    for begin, end in intervals:
        first = aligned(max(begin, from_date))
        if first > LAST_DAY:
            continue
        if end is not None:
            last = end.toordinal() - (end.weekday() - index) % 7
            if last < first:
                continue
            events.append((last + 7, -1))
        events.append((first, 1))
    changes = sorted({start, *(max(aligned(valid_from), start) for valid_from, _ in steps), *(e for e, _ in events)})
    events.sort()
    least: int | None = None
    short: date | None = None
    load = position = 0
    for point in changes:
        if point > LAST_DAY:
            break
        while position < len(events) and events[position][0] <= point:
            load += events[position][1]
            position += 1
        day = date.fromordinal(point)
        left = seats_on(steps, day) - load - extra
        if least is None or left < least:
            least = left
        if left < 0 and short is None:
            short = day
    return (least if least is not None else 0), short
