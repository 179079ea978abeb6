"""The pure rules of reporting: periods, percentiles over a histogram, and small-number suppression.

No I/O. ``figures`` asks the database for aggregates; these rules turn them into what is shown and shared.
"""

from __future__ import annotations

import bisect
import calendar
import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

# --- periods -------------------------------------------------------------------------------------

MONTH_NAMES_NL = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)
MONTH_ABBREVIATIONS_NL = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


class PeriodKind(StrEnum):
    MONTH = "maand"
    QUARTER = "kwartaal"
    YEAR = "jaar"
    CUSTOM = "anders"


@dataclass(frozen=True, order=True)
class Period:
    """A run of whole days, both ends included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("a period ends on or after its start")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def kind(self) -> PeriodKind:
        whole_months = self.start.day == 1 and self.end == _month_end(self.end)
        if not whole_months:
            return PeriodKind.CUSTOM
        months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
        if months == 1:
            return PeriodKind.MONTH
        if months == 3 and self.start.month % 3 == 1:
            return PeriodKind.QUARTER
        if months == 12 and self.start.month == 1:
            return PeriodKind.YEAR
        return PeriodKind.CUSTOM

    def months(self) -> list[Period]:
        """The calendar months this period touches, each cut to the period."""
        found: list[Period] = []
        first = self.start
        while first <= self.end:
            last = min(_month_end(first), self.end)
            found.append(Period(first, last))
            first = last + timedelta(days=1)
        return found

    def whole_months(self) -> tuple[Period | None, list[Period]]:
        """The period split in the run of whole calendar months it holds (``None`` if none) and the days left
        at either end (at most two pieces). Together they are the period, each day in exactly one piece: the
        figures read the whole months from monthly totals and only the days left from day records."""
        first = self.start if self.start.day == 1 else _month_end(self.start) + timedelta(days=1)
        last = self.end if self.end == _month_end(self.end) else self.end.replace(day=1) - timedelta(days=1)
        if first > last:
            return None, [self]
        edges = []
        if self.start < first:
            edges.append(Period(self.start, first - timedelta(days=1)))
        if last < self.end:
            edges.append(Period(last + timedelta(days=1), self.end))
        return Period(first, last), edges

    def year_earlier(self) -> Period:
        """The same period a year earlier. A period of whole months stays whole months (February 2025 gives
        February 2024 with its leap day); otherwise each end moves back a year, 29 February becoming the 28th."""
        start = shift_months(self.start, -12)
        end = (
            _month_end(shift_months(self.end, -12)) if self.end == _month_end(self.end) else shift_months(self.end, -12)
        )
        return Period(start, end)

    def shifted(self, steps: int) -> Period:
        """The period of the same kind ``steps`` further on (negative: back); a custom period moves by its length."""
        kind = self.kind
        if kind is PeriodKind.CUSTOM:
            delta = timedelta(days=self.days * steps)
            return Period(self.start + delta, self.end + delta)
        months = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}[kind] * steps
        start = shift_months(self.start, months)
        return Period(start, _month_end(shift_months(self.end, months)))

    def label(self) -> str:
        """In Dutch: "maart 2025", "1e kwartaal 2025", "2025", or "1 maart 2025 t/m 15 april 2025"."""
        kind = self.kind
        if kind is PeriodKind.MONTH:
            return f"{MONTH_NAMES_NL[self.start.month - 1]} {self.start.year}"
        if kind is PeriodKind.QUARTER:
            return f"{(self.start.month - 1) // 3 + 1}e kwartaal {self.start.year}"
        if kind is PeriodKind.YEAR:
            return str(self.start.year)
        return f"{_day_label(self.start)} t/m {_day_label(self.end)}"

    def month_label(self) -> str:
        """A short label for one month of a trend: "mrt 2025"."""
        return f"{MONTH_ABBREVIATIONS_NL[self.start.month - 1]} {self.start.year}"


def _day_label(day: date) -> str:
    return f"{day.day} {MONTH_NAMES_NL[day.month - 1]} {day.year}"


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def shift_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier); a day the target month lacks becomes its last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def month(year: int, number: int) -> Period:
    first = date(year, number, 1)
    return Period(first, _month_end(first))


def quarter(year: int, number: int) -> Period:
    first = date(year, 3 * (number - 1) + 1, 1)
    return Period(first, _month_end(shift_months(first, 2)))


def year(number: int) -> Period:
    return Period(date(number, 1, 1), date(number, 12, 31))


def presets(today: date) -> list[tuple[str, Period]]:
    """The periods offered with one click, in Dutch."""
    this_quarter = quarter(today.year, (today.month - 1) // 3 + 1)
    return [
        ("Deze maand", month(today.year, today.month)),
        ("Vorige maand", month(today.year, today.month).shifted(-1)),
        ("Dit kwartaal", this_quarter),
        ("Vorig kwartaal", this_quarter.shifted(-1)),
        ("Dit jaar", year(today.year)),
        ("Vorig jaar", year(today.year - 1)),
    ]


def weekday_count(period: Period, weekday: int) -> int:
    """How many days of the period fall on ``weekday`` (0 Monday … 6 Sunday)."""
    first = period.start + timedelta(days=(weekday - period.start.weekday()) % 7)
    return 0 if first > period.end else (period.end - first).days // 7 + 1


@dataclass(frozen=True)
class PlacedSpan:
    """A placement as occupancy sees it: where, on which weekdays (0 Monday … 6 Sunday), from when to when."""

    location: object
    weekdays: frozenset[int]
    start: date
    end: date | None  # None: it runs on


def placed_days(
    spans: Iterable[PlacedSpan], closed_days: Iterable[tuple[object, date]], period: Period
) -> tuple[list[int], list[int]]:
    """Per weekday (Monday first): the days of that weekday within the period on which a placement runs, added up
    over the placements, and how many of those its location was closed (``closed_days``: location and day). Each
    placement's closed days are counted by bisection in its location's closed days of that weekday, so the work
    grows with the placements, not with placements times closures (the join in SQL that this replaced took 7 to
    10 ms of this year's report of the demo on SQLite)."""
    closed: dict[tuple[object, int], list[int]] = {}
    for location, day in set(closed_days):
        closed.setdefault((location, day.weekday()), []).append(day.toordinal())
    for days in closed.values():
        days.sort()
    placed, closed_placed = [0] * 7, [0] * 7
    for span in spans:
        start = max(span.start, period.start)
        end = period.end if span.end is None else min(span.end, period.end)
        if start > end:
            continue
        runs = Period(start, end)
        for weekday in span.weekdays:
            placed[weekday] += weekday_count(runs, weekday)
            days = closed.get((span.location, weekday))
            if days:
                closed_placed[weekday] += bisect.bisect_right(days, end.toordinal()) - bisect.bisect_left(
                    days, start.toordinal()
                )
    return placed, closed_placed


# --- figures from aggregates ---------------------------------------------------------------------


def rate(part: int, whole: int) -> float | None:
    """``part / whole``, or ``None`` when there is nothing to count (never a division error)."""
    return None if whole <= 0 else part / whole


def percentile_cont(histogram: Iterable[tuple[float, int]], fraction: float) -> float | None:
    """The continuous percentile (as PostgreSQL's ``percentile_cont``) of the values a histogram counts.

    ``histogram`` holds (value, how many times) pairs, so the rows need never leave the database: the position
    ``fraction × (n − 1)`` in the sorted values is found by walking the cumulative counts, and the answer is
    interpolated between the values on either side. ``None`` when there are no values.
    """
    if not 0 <= fraction <= 1:
        raise ValueError("fraction lies between 0 and 1")
    bins = sorted((value, count) for value, count in histogram if count > 0)
    total = sum(count for _, count in bins)
    if total == 0:
        return None
    position = fraction * (total - 1)
    lower_index, upper_index = math.floor(position), math.ceil(position)

    def value_at(index: int) -> float:
        seen = 0
        for value, count in bins:
            seen += count
            if index < seen:
                return value
        return bins[-1][0]

    lower, upper = value_at(lower_index), value_at(upper_index)
    return lower + (position - lower_index) * (upper - lower)


# --- small-number suppression --------------------------------------------------------------------

THRESHOLD = 5
LESS_THAN = f"<{THRESHOLD}"
HIDDEN = "×"  # secondary suppression: a count of 5 or more, left out so that no small count can be worked out


class Shown(StrEnum):
    NUMBER = "number"
    SMALL = "small"  # a count of 0 to 4: shown as "<5"
    HIDDEN = "hidden"  # 5 or more, left out to protect a small count elsewhere in the table


@dataclass(frozen=True)
class Cell:
    """A count as it may leave the organisation."""

    value: int
    shown: Shown = Shown.NUMBER

    @property
    def text(self) -> str:
        if self.shown is Shown.SMALL:
            return LESS_THAN
        if self.shown is Shown.HIDDEN:
            return HIDDEN
        return str(self.value)

    @property
    def number(self) -> int | None:
        """The value when it may be shown, else ``None``."""
        return self.value if self.shown is Shown.NUMBER else None


def protect_count(value: int) -> Cell:
    """Any count under 5 is shown as "<5", a 0 too: "<5" then always means 0 to 4, and a reader can never narrow
    it down by seeing which categories are empty."""
    return Cell(value, Shown.SMALL if value < THRESHOLD else Shown.NUMBER)


@dataclass(frozen=True)
class Protected:
    """A total and its break-downs (lines), as they may be shown; a line is ``None`` when it cannot be shown at
    all without giving a small count away."""

    total: Cell
    lines: tuple[tuple[Cell, ...] | None, ...]


# The range a reader can tell a count lies in from what is shown (an upper bound of None: no upper bound).
Range = tuple[int, int | None]


def _range(cell: Cell) -> Range:
    if cell.shown is Shown.NUMBER:
        return (cell.value, cell.value)
    if cell.shown is Shown.SMALL:
        return (0, THRESHOLD - 1)
    return (THRESHOLD, None)


def _sum_range(cells: Iterable[Cell]) -> Range:
    low, high = 0, 0
    for cell in cells:
        cell_low, cell_high = _range(cell)
        low += cell_low
        high = None if high is None or cell_high is None else high + cell_high
    return (low, high)


def _intersect(a: Range, b: Range) -> Range:
    low = max(a[0], b[0])
    high = b[1] if a[1] is None else a[1] if b[1] is None else min(a[1], b[1])
    assert high is None or low <= high, "the real values meet every constraint"
    return (low, high)


def _total_range(total: Cell, lines: Sequence[Sequence[Cell] | None], skip: int | None = None) -> Range:
    """What a reader can tell of the total from itself and from every shown line (but ``skip``) adding up to it."""
    found = _range(total)
    for index, line in enumerate(lines):
        if index != skip and line is not None:
            found = _intersect(found, _sum_range(line))
    return found


def possible_values(total: Cell, lines: Sequence[Sequence[Cell] | None], line: int | None, position: int = 0) -> Range:
    """The values a reader can work out for one count (``line=None``: the total) from everything shown.

    Every shown line adds up to the total; a shown count is known, a "<5" lies in 0…4, a "×" is 5 or more. The
    sums a line can make form an unbroken run of whole numbers, so these ranges are exact.
    """
    if line is None:
        return _total_range(total, lines)
    cells = lines[line]
    assert cells is not None
    others = _sum_range(cell for index, cell in enumerate(cells) if index != position)
    known_total = _total_range(total, lines, skip=line)
    # The count is the total minus the others: from (lowest total − highest others) to (highest − lowest).
    low = 0 if others[1] is None else known_total[0] - others[1]
    high = None if known_total[1] is None else known_total[1] - others[0]
    return _intersect(_range(cells[position]), (max(low, 0), high))


def _revealed(found: Range) -> bool:
    return found[1] is not None and found[0] == found[1]


def revealed_counts(total: Cell, lines: Sequence[Sequence[Cell] | None]) -> list[int | None]:
    """The lines (``None``: the total) holding a "<5" whose exact value can be worked out."""
    found: list[int | None] = []
    if total.shown is Shown.SMALL and _revealed(possible_values(total, lines, None)):
        found.append(None)
    for line_index, line in enumerate(lines):
        if line is None:
            continue
        if any(
            cell.shown is Shown.SMALL and _revealed(possible_values(total, lines, line_index, position))
            for position, cell in enumerate(line)
        ):
            found.append(line_index)
    return found


def protect(total: int, lines: Sequence[Sequence[int]]) -> Protected:
    """``_protect``, remembered: a report shows the same counts to everyone who opens it, and working out what to
    hide tries every small count against every line, over and over (a third of a kept report's time)."""
    return _protect(total, tuple(tuple(values) for values in lines))


@functools.lru_cache(maxsize=4096)
def _protect(total: int, lines: tuple[tuple[int, ...], ...]) -> Protected:
    """Shows every count under 5 as "<5", and hides more (as "×") until no "<5" can be worked out from a total
    minus the other counts of a line that adds up to it.

    ``lines`` are break-downs of the same total (by source, by neighbourhood, by month...): each adds up to
    ``total``. One more count is hidden at a time: the smallest shown count of the line at fault, then the total,
    then the smallest shown count of another line. When everything is hidden and the lines still pin a small
    count down together, the other lines are left out (``None``) until the line at fault stands alone, which
    never gives a "<5" away.
    """
    for values in lines:
        if sum(values) != total:
            raise ValueError("every line adds up to the total")
    top = protect_count(total)
    shown: list[list[Cell] | None] = [[protect_count(value) for value in values] for values in lines]
    while at_fault := revealed_counts(top, shown):
        spot = _next_to_hide(top, shown, at_fault[0])
        if spot == "total":
            top = Cell(top.value, Shown.HIDDEN)
        elif isinstance(spot, tuple):
            row, column = spot
            line = shown[row]
            assert line is not None
            line[column] = Cell(line[column].value, Shown.HIDDEN)
        else:
            others = [index for index, line in enumerate(shown) if line is not None and index != at_fault[0]]
            shown[others[0] if others else at_fault[0] or 0] = None
    return Protected(top, tuple(None if line is None else tuple(line) for line in shown))


def _next_to_hide(
    total: Cell, lines: Sequence[Sequence[Cell] | None], at_fault: int | None
) -> str | tuple[int, int] | None:
    """The count to hide next ("total", or (line, position)); ``None`` when everything is hidden already."""

    def smallest_shown(line_index: int) -> list[tuple[int, int]]:
        line = lines[line_index]
        if line is None:
            return []
        spots = [(cell.value, position) for position, cell in enumerate(line) if cell.shown is Shown.NUMBER]
        return [(line_index, position) for _, position in sorted(spots)]

    if at_fault is not None and (spots := smallest_shown(at_fault)):
        return spots[0]
    if total.shown is Shown.NUMBER:
        return "total"
    for line_index in range(len(lines)):
        if spots := smallest_shown(line_index):
            return spots[0]
    return None


def protect_mapping(total: int, breakdowns: Sequence[Mapping[str, int]]) -> tuple[Cell, list[dict[str, Cell] | None]]:
    """``protect`` for break-downs kept as {category: count}, in the mappings' own order."""
    protected = protect(total, [list(mapping.values()) for mapping in breakdowns])
    return protected.total, [
        None if line is None else dict(zip(mapping.keys(), line, strict=True))
        for mapping, line in zip(breakdowns, protected.lines, strict=True)
    ]


@dataclass(frozen=True)
class Derived:
    """A rate, median or average as it may leave the organisation: left out when fewer than 5 children are
    behind it (``small``), ``None`` when there is nothing to count."""

    value: float | None
    small: bool = False


def protect_derived(value: float | None, base: int) -> Derived:
    if value is None:
        return Derived(None)
    if base < THRESHOLD:
        return Derived(None, small=True)
    return Derived(value)
