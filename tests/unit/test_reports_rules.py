"""The pure rules of reporting, checked with hypothesis: small-number suppression never lets a hidden count be
worked out (checked by brute force, not by the rules' own interval reasoning), percentiles agree with Python's
``statistics``, and periods (a year earlier, months, weekdays) agree with counting day by day."""

from __future__ import annotations

import calendar
import itertools
import statistics
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huiskamer.reports import rules
from huiskamer.reports.rules import Cell, Period, PeriodKind, Protected, Shown, protect

unit = settings(settings.get_profile("unit"))


# --- suppression ---------------------------------------------------------------------------------


@st.composite
def tables(draw: st.DrawFn) -> tuple[int, list[list[int]]]:
    """A total and one to three break-downs of it (each adds up to the total), with many small counts."""
    total = draw(st.integers(0, 24))
    lines = []
    for _ in range(draw(st.integers(1, 3))):
        cells = draw(st.integers(1, 4))
        cuts = sorted(draw(st.lists(st.integers(0, total), min_size=cells - 1, max_size=cells - 1)))
        bounds = [0, *cuts, total]
        lines.append([bounds[i + 1] - bounds[i] for i in range(cells)])
    return total, lines


def _values(cell: Cell, bound: int) -> range:
    """What a reader knows of a cell: its value, 0 to 4 for "<5", 5 or more for "×" (cut off at ``bound``)."""
    if cell.shown is Shown.NUMBER:
        return range(cell.value, cell.value + 1)
    if cell.shown is Shown.SMALL:
        return range(rules.THRESHOLD)
    return range(rules.THRESHOLD, bound + 1)


def _sums(cells: list[Cell], bound: int) -> set[int]:
    found = {0}
    for cell in cells:
        found = {s + v for s in found for v in _values(cell, bound) if s + v <= bound}
    return found


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def search_bound(total: int, lines: list[list[int]]) -> int:
    """How far brute force must look: past the total, and past what a line of "<5" cells alone can add up to."""
    widest = max((len(line) for line in lines), default=1)
    return total + 2 * rules.THRESHOLD + (rules.THRESHOLD - 1) * widest


def brute_force(protected: Protected, line: int | None, position: int, bound: int) -> set[int]:
    """Every value a count can have, by trying every total and every way each shown line can make it."""
    shown_lines = [cells for cells in protected.lines if cells is not None]
    possible: set[int] = set()
    for total in _values(protected.total, bound):
        if not all(total in _sums(list(cells), bound) for cells in shown_lines):
            continue
        if line is None:
            possible.add(total)
            continue
        cells = protected.lines[line]
        assert cells is not None
        others = _sums([c for i, c in enumerate(cells) if i != position], bound)
        others_lines_ok = all(
            total in _sums(list(other), bound)
            for i, other in enumerate(protected.lines)
            if other is not None and i != line
        )
        if others_lines_ok:
            possible |= {v for v in _values(cells[position], bound) if total - v in others}
    return possible


def _small_cells(protected: Protected) -> list[tuple[int | None, int]]:
    found: list[tuple[int | None, int]] = [(None, 0)] if protected.total.shown is Shown.SMALL else []
    for index, cells in enumerate(protected.lines):
        found.extend((index, p) for p, cell in enumerate(cells or ()) if cell.shown is Shown.SMALL)
    return found


@unit
@given(tables())
def test_no_small_count_can_be_worked_out_from_the_totals(table):
    """For every "<5" (and a "<5" total), what is shown leaves at least two values possible, counted by brute
    force over every total and every way the lines can add up to it."""
    total, lines = table
    protected = protect(total, lines)
    bound = search_bound(total, lines)
    for line, position in _small_cells(protected):
        assert len(brute_force(protected, line, position, bound)) >= 2, (table, protected, line, position)


@unit
@given(tables())
def test_shown_numbers_are_true_and_never_small(table):
    """A shown count is the real count and 5 or more; "<5" is under 5; "×" hides a count of 5 or more."""
    total, lines = table
    protected = protect(total, lines)
    for cell, value in [(protected.total, total)] + [
        (cell, value)
        for cells, values in zip(protected.lines, lines, strict=True)
        if cells is not None
        for cell, value in zip(cells, values, strict=True)
    ]:
        assert cell.value == value
        if cell.shown is Shown.NUMBER:
            assert value >= rules.THRESHOLD and cell.text == str(value)
        elif cell.shown is Shown.SMALL:
            assert value < rules.THRESHOLD and cell.text == "<5"
        else:
            assert value >= rules.THRESHOLD and cell.text == "×"


@unit
@given(tables())
def test_the_readers_ranges_are_exact(table):
    """The interval reasoning the rules use equals brute force (so the loop stops exactly when it may)."""
    total, lines = table
    protected = protect(total, lines)
    bound = search_bound(total, lines)
    spots = [(None, 0)] + [(i, p) for i, cells in enumerate(protected.lines) if cells for p in range(len(cells))]
    for line, position in spots:
        low, high = rules.possible_values(protected.total, protected.lines, line, position)
        found = brute_force(protected, line, position, bound)
        assert min(found) == low
        if high is None:  # no upper bound: brute force finds values up to where it stops looking
            assert max(found) > low
        else:
            assert max(found) == high


@unit
@given(st.lists(st.integers(5, 40), min_size=1, max_size=5), st.integers(1, 3))
def test_nothing_is_hidden_when_every_count_is_5_or_more(cells, copies):
    """Suppression costs nothing when there is nothing small to protect."""
    protected = protect(sum(cells), [cells] * copies)
    assert protected.total.shown is Shown.NUMBER
    assert all(cell.shown is Shown.NUMBER for line in protected.lines for cell in line or ())


def test_a_total_minus_the_other_cells_does_not_give_a_small_count_away():
    protected = protect(12, [[3, 9]])
    assert [cell.text for cell in protected.lines[0]] == ["<5", "×"]
    assert protected.total.text == "12"


def test_a_line_that_would_pin_the_total_is_left_out():
    # Five categories of 4 and four of 5 make 20: whatever is hidden, the fives pin the total and the fours.
    protected = protect(20, [[5, 5, 5, 5], [4, 4, 4, 4, 4]])
    assert protected.lines[0] is None
    assert all(cell.text == "<5" for cell in protected.lines[1] or ())


def test_lines_must_add_up():
    with pytest.raises(ValueError):
        protect(10, [[3, 4]])


def test_a_rate_over_fewer_than_5_children_is_left_out():
    assert rules.protect_derived(0.75, 4) == rules.Derived(None, small=True)
    assert rules.protect_derived(0.75, 5) == rules.Derived(0.75)
    assert rules.protect_derived(None, 0) == rules.Derived(None)


# --- percentiles ---------------------------------------------------------------------------------


@unit
@given(st.lists(st.tuples(st.integers(0, 400), st.integers(1, 6)), min_size=1, max_size=30))
def test_percentiles_over_a_histogram_equal_those_over_the_values(histogram):
    """Interpolated as PostgreSQL's percentile_cont (= statistics' 'inclusive' method)."""
    values = sorted(v for v, count in histogram for _ in range(count))
    assert rules.percentile_cont(histogram, 0.5) == pytest.approx(statistics.median(values))
    if len(values) > 1:
        p90 = statistics.quantiles(values, n=10, method="inclusive")[8]
        assert rules.percentile_cont(histogram, 0.9) == pytest.approx(p90)
    assert rules.percentile_cont(histogram, 0.0) == values[0]
    assert rules.percentile_cont(histogram, 1.0) == values[-1]


def test_percentiles_of_nothing_are_none():
    assert rules.percentile_cont([], 0.5) is None
    assert rules.percentile_cont([(3, 0)], 0.9) is None
    assert rules.rate(3, 0) is None


# --- periods -------------------------------------------------------------------------------------

days = st.dates(date(2001, 1, 1), date(2098, 12, 31))


@st.composite
def periods(draw: st.DrawFn) -> Period:
    start = draw(days)
    return Period(start, start + timedelta(days=draw(st.integers(0, 800))))


@st.composite
def whole_periods(draw: st.DrawFn) -> Period:
    year = draw(st.integers(2001, 2098))
    kind = draw(st.sampled_from([PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR]))
    if kind is PeriodKind.MONTH:
        return rules.month(year, draw(st.integers(1, 12)))
    if kind is PeriodKind.QUARTER:
        return rules.quarter(year, draw(st.integers(1, 4)))
    return rules.year(year)


@unit
@given(periods())
def test_the_months_of_a_period_cover_it_exactly(period):
    """Consecutive, without gaps or overlap, each within one calendar month."""
    months = period.months()
    assert months[0].start == period.start and months[-1].end == period.end
    for before, after in itertools.pairwise(months):
        assert after.start == before.end + timedelta(days=1)
    for part in months:
        assert (part.start.year, part.start.month) == (part.end.year, part.end.month)
    assert sum(part.days for part in months) == period.days


@unit
@given(st.one_of(periods(), whole_periods()))
def test_whole_months_and_the_days_left_cover_the_period_exactly(period):
    """Every day of the period in exactly one piece; the whole months are whole and as many as there are; the
    days left beside whole months are less than a month at each end."""
    whole, edges = period.whole_months()
    pieces = sorted([*edges, *([whole] if whole else [])])
    assert pieces[0].start == period.start and pieces[-1].end == period.end
    for before, after in itertools.pairwise(pieces):
        assert after.start == before.end + timedelta(days=1)
    assert len(edges) <= 2
    calendar_months = [
        part
        for part in period.months()
        if part.start.day == 1 and part.end.month != (part.end + timedelta(days=1)).month
    ]
    if whole is None:
        assert calendar_months == [] and edges == [period]
    else:
        assert whole.start.day == 1 and (whole.end + timedelta(days=1)).day == 1
        assert whole.months() == calendar_months
        for edge in edges:
            assert edge.days < 31 and edge not in calendar_months


def test_whole_months_of_examples():
    assert rules.year(2024).whole_months() == (rules.year(2024), [])
    leap = Period(date(2024, 2, 29), date(2024, 4, 1))
    assert leap.whole_months() == (
        rules.month(2024, 3),
        [Period(date(2024, 2, 29), date(2024, 2, 29)), Period(date(2024, 4, 1), date(2024, 4, 1))],
    )
    assert Period(date(2024, 2, 2), date(2024, 3, 30)).whole_months() == (
        None,
        [Period(date(2024, 2, 2), date(2024, 3, 30))],
    )


@unit
@given(whole_periods())
def test_a_year_earlier_keeps_whole_months_whole(period):
    """February 2025 is compared with all of February 2024, leap day included."""
    earlier = period.year_earlier()
    assert earlier.kind is period.kind
    assert earlier.start == period.start.replace(year=period.start.year - 1)
    assert [m.days for m in earlier.months()] == [
        rules.month(m.start.year - 1, m.start.month).days for m in period.months()
    ]
    assert period.shifted(-1).shifted(1) == period


@unit
@given(periods())
def test_a_year_earlier_moves_each_end_back_a_year(period):
    earlier = period.year_earlier()
    for before, now in ((earlier.start, period.start), (earlier.end, period.end)):
        assert before.year == now.year - 1 and before.month == now.month
        if now == period.end and now == month_end(now):  # whole months stay whole months
            assert before == month_end(before)
        else:
            assert before.day == now.day or (now.month == 2 and now.day == 29 and before.day == 28)


def test_february_2025_a_year_earlier_is_february_2024_with_its_leap_day():
    assert rules.month(2025, 2).year_earlier() == Period(date(2024, 2, 1), date(2024, 2, 29))
    assert rules.month(2024, 2).year_earlier() == Period(date(2023, 2, 1), date(2023, 2, 28))
    assert Period(date(2024, 2, 29), date(2024, 3, 10)).year_earlier() == Period(date(2023, 2, 28), date(2023, 3, 10))


@unit
@given(periods(), st.integers(0, 6))
def test_weekdays_are_counted_as_a_calendar_would(period, weekday):
    naive = sum(1 for n in range(period.days) if (period.start + timedelta(days=n)).weekday() == weekday)
    assert rules.weekday_count(period, weekday) == naive


def test_labels_and_kinds():
    assert rules.month(2025, 3).label() == "maart 2025"
    assert rules.quarter(2025, 2).label() == "2e kwartaal 2025"
    assert rules.year(2025).label() == "2025"
    assert Period(date(2025, 3, 2), date(2025, 4, 15)).label() == "2 maart 2025 t/m 15 april 2025"
    assert Period(date(2025, 3, 2), date(2025, 4, 15)).kind is PeriodKind.CUSTOM


def test_presets_from_a_day():
    found = dict(rules.presets(date(2025, 5, 14)))
    assert found["Vorige maand"] == rules.month(2025, 4)
    assert found["Vorig kwartaal"] == rules.quarter(2025, 1)
    assert found["Vorig jaar"] == rules.year(2024)
    assert found["Vorige maand"] == dict(rules.presets(date(2025, 5, 31)))["Vorige maand"]
    assert dict(rules.presets(date(2025, 1, 3)))["Vorige maand"] == rules.month(2024, 12)
