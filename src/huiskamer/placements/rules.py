"""Pure capacity arithmetic: how many seats are held on a weekday, at the busiest moment from a date on."""

from __future__ import annotations

from collections.abc import Iterable
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
