"""The pure rules of goal progress (``huiskamer.progress.rules``): month arithmetic for the next evaluation
(31 January + 1 month, leap days, the ends of the calendar), when an evaluation is due or overdue, and what an
outcome does to a goal. Each property's docstring states the law it checks."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from huiskamer.progress.rules import (
    EVALUATION_OUTCOMES,
    Due,
    OutcomeRefused,
    add_months,
    apply_outcome,
    due_state,
    evaluation_due_on,
    is_open_after,
    next_evaluation_on,
    trend,
)

unit = settings(settings.get_profile("unit"))
days = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
months = st.integers(min_value=-240, max_value=240)


def last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


# --- month arithmetic ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # a leap year
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2028, 2, 29), 48, date(2032, 2, 29)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 8, 31), 3, date(2026, 11, 30)),
        (date(2026, 12, 15), 3, date(2027, 3, 15)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 5, 17), 0, date(2026, 5, 17)),
        (date(9999, 11, 30), 3, date(9999, 12, 31)),  # past the calendar: its last day, never an error
        (date(1, 2, 1), -3, date(1, 1, 1)),
    ],
)
def test_months_are_added_as_people_count_them(start, count, expected):
    assert add_months(start, count) == expected


@unit
@given(days, months)
@example(date(2026, 1, 31), 1)
@example(date(2024, 2, 29), 12)
def test_adding_months_lands_in_the_right_month_on_the_same_day_or_that_months_last(day, count):
    """The result lies exactly ``count`` calendar months on; it keeps the day of the month, or when that month is
    too short, takes its last day."""
    result = add_months(day, count)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == count
    assert result.day == min(day.day, last_day(result.year, result.month))


@unit
@given(days, days, st.integers(min_value=0, max_value=240))
def test_adding_months_keeps_the_order_of_dates(first, second, count):
    """A later date never gets an earlier next evaluation."""
    low, high = sorted((first, second))
    assert add_months(low, count) <= add_months(high, count)


@unit
@given(days, st.integers(min_value=1, max_value=24))
def test_the_next_evaluation_lies_after_the_one_held_and_not_later_than_the_interval(held, interval):
    """Between 28 and 31 days per month of interval after the evaluation, and always after it."""
    following = next_evaluation_on(held, interval)
    assert following > held
    assert 28 * interval <= (following - held).days <= 31 * interval


@unit
@given(days, st.integers(min_value=1, max_value=12))
def test_every_due_date_with_a_day_that_exists_in_every_month_keeps_its_day(start, interval):
    """Placed on the 1st to the 28th: every evaluation falls on that same day of the month."""
    start = start.replace(day=min(start.day, 28))
    assert add_months(start, interval).day == start.day


# --- due and overdue -----------------------------------------------------------------------------------


@unit
@given(days, st.integers(min_value=1, max_value=12))
def test_without_an_evaluation_the_first_is_due_one_interval_after_the_placement_started(start, interval):
    """No evaluation yet: due the interval after the start of the placement."""
    assert evaluation_due_on(start, interval, None, None) == add_months(start, interval)


@unit
@given(days, st.integers(min_value=1, max_value=12), days, st.none() | days)
def test_after_an_evaluation_the_next_is_due_when_it_was_planned(start, interval, held, planned):
    """After an evaluation, exactly the date it planned (none: nothing is due)."""
    assert evaluation_due_on(start, interval, held, planned) == planned


@unit
@given(days, days, st.integers(min_value=0, max_value=120))
def test_overdue_soon_and_later_split_the_calendar_at_today_and_the_horizon(due_on, today, horizon):
    """Overdue exactly when the date has passed; due soon from today up to and including the horizon."""
    state = due_state(due_on, today, timedelta(days=horizon))
    if due_on < today:
        assert state is Due.OVERDUE
    elif (due_on - today).days <= horizon:
        assert state is Due.SOON
    else:
        assert state is Due.LATER


def test_an_evaluation_due_today_is_not_yet_overdue():
    today = date(2026, 9, 7)
    assert due_state(today, today) is Due.SOON
    assert due_state(today - timedelta(days=1), today) is Due.OVERDUE
    assert due_state(today + timedelta(days=30), today) is Due.SOON
    assert due_state(today + timedelta(days=31), today) is Due.LATER


# --- what an outcome does to a goal ----------------------------------------------------------------------

texts = st.text(min_size=1, max_size=40).filter(lambda s: s.strip())


@unit
@given(st.sampled_from(EVALUATION_OUTCOMES), days, texts, texts)
def test_reached_and_stopped_close_a_goal_on_the_day_held_the_others_keep_it_running(outcome, held, old, new):
    """Closed (with closed_on = the evaluation's date) exactly for reached and stopped; an adjusted goal runs on
    under its new wording; a continued goal is unchanged."""
    after = apply_outcome("active", old, outcome, held, new)
    if outcome in ("reached", "stopped"):
        assert (after.status, after.closed_on, after.description) == (outcome, held, old)
    else:
        assert (after.status, after.closed_on) == ("active", None)
        assert after.description == (new.strip() if outcome == "adjusted" else old)


@unit
@given(st.sampled_from(("reached", "stopped", "adjusted")), st.sampled_from(EVALUATION_OUTCOMES), days)
def test_a_goal_that_is_not_running_is_never_evaluated(status, outcome, held):
    """Only a running goal takes an outcome."""
    with pytest.raises(OutcomeRefused):
        apply_outcome(status, "Doel", outcome, held, "Nieuw")


@pytest.mark.parametrize("wording", [None, "", "   "])
def test_an_adjusted_goal_needs_its_new_wording(wording):
    with pytest.raises(OutcomeRefused, match="bijgestelde"):
        apply_outcome("active", "Doel", "adjusted", date(2026, 9, 7), wording)


def test_an_unknown_outcome_is_refused():
    with pytest.raises(OutcomeRefused):
        apply_outcome("active", "Doel", "gelukt", date(2026, 9, 7))


@unit
@given(st.dictionaries(st.text(max_size=3), st.sampled_from(EVALUATION_OUTCOMES), max_size=6))
def test_a_next_evaluation_is_needed_while_any_goal_runs_on(outcomes):
    """Needed exactly when some goal is continued or adjusted."""
    assert is_open_after(outcomes) == any(o in ("continued", "adjusted") for o in outcomes.values())


# --- the figures beside the bar row ------------------------------------------------------------------------


@unit
@given(st.lists(st.integers(min_value=1, max_value=4), max_size=30))
def test_the_trend_states_first_last_count_and_average(ratings):
    """First, last and count as given; the average lies between the lowest and the highest rating."""
    found = trend(ratings)
    assert found.count == len(ratings)
    if not ratings:
        assert (found.first, found.last, found.average, found.direction) == (None, None, None, "")
        return
    assert (found.first, found.last) == (ratings[0], ratings[-1])
    assert found.average is not None
    assert min(ratings) - 0.05 <= found.average <= max(ratings) + 0.05
    if len(ratings) > 1:
        if ratings[-1] > ratings[0]:
            assert found.direction == "vooruit"
        elif ratings[-1] < ratings[0]:
            assert found.direction == "achteruit"
        else:
            assert found.direction == "gelijk"
