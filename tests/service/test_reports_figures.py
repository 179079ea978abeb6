"""Each report figure against the hand-made data set of ``reports_helpers`` (answers worked out by hand),
on SQLite and PostgreSQL: a placement straddling the period, a child placed twice, the leap day, the time zone
at midnight, an empty period, and the scope of one location."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from huiskamer.locations.models import ClosureDay
from huiskamer.placements.models import Placement
from huiskamer.reports import figures
from huiskamer.reports.figures import Scope, Summary
from huiskamer.reports.rules import Period, month, year
from huiskamer.validation import WEEKDAYS
from tests.factories import in_session
from tests.service.reports_helpers import KNOWN_2024, ReportWorld, build_world


@pytest.fixture
def world(test_settings) -> ReportWorld:
    return build_world(test_settings)


def summary_of(settings, scope: Scope, period: Period) -> Summary:
    return in_session(settings, lambda session: figures.summary(session, scope, period))


def trends_of(settings, scope: Scope, period: Period) -> list[figures.MonthFigures]:
    return in_session(settings, lambda session: figures.trends(session, scope, period))


def nonzero(counts: dict) -> dict:
    return {key: value for key, value in counts.items() if value}


def test_the_year_2024_for_all_locations_matches_the_hand_count(test_settings, world):
    found = summary_of(test_settings, Scope(None), year(2024))
    assert found.referrals_received == KNOWN_2024["referrals_received"]
    assert nonzero(found.referrals_by_source) == KNOWN_2024["referrals_by_source"]
    assert found.children_reached == KNOWN_2024["children_reached"]
    assert found.placements_started == KNOWN_2024["placements_started"]
    assert found.placements_ended == KNOWN_2024["placements_ended"]
    assert found.waiting_days.median == pytest.approx(KNOWN_2024["waiting_days"]["median"])
    assert found.waiting_days.p90 == pytest.approx(KNOWN_2024["waiting_days"]["p90"])
    assert found.attendance_rate == pytest.approx(KNOWN_2024["attendance_rate"])
    assert (found.goals_set, found.goals_reached) == (3, 2)
    assert nonzero(found.discharges_by_reason) == KNOWN_2024["discharges_by_reason"]
    assert found.waitlist_now == 1


def test_referrals_by_neighbourhood_count_the_unknown_apart(test_settings, world):
    found = summary_of(test_settings, Scope(None), year(2024))
    assert found.referrals_by_neighbourhood == {"Kruidenwijk": 1, "Muziekwijk": 1, "Stedenwijk": 1, None: 1}


def test_goals_by_dimension(test_settings, world):
    found = summary_of(test_settings, Scope(None), year(2024)).goals_by_dimension
    assert (found["meedoen"].set, found["meedoen"].reached) == (1, 2)
    assert (found["dagelijks_functioneren"].set, found["dagelijks_functioneren"].reached) == (1, 0)
    assert (found[None].set, found[None].reached) == (1, 0)
    assert (found["mentaal_welbevinden"].set, found["mentaal_welbevinden"].reached) == (0, 0)


def test_a_child_placed_twice_is_reached_once_but_placed_twice(test_settings, world):
    found = summary_of(test_settings, Scope((world.a,)), year(2024))
    # Sara came on both her placements in 2024; with Noor and Ibrahim that makes three children at A.
    assert found.children_reached == 3
    assert found.placements_started == 2  # Noor and Sara's second placement
    assert found.placements_ended == 2  # Noor, and Sara's first placement (straddling New Year)
    assert found.waiting_days.median == pytest.approx(32.5)
    assert found.waiting_days.p90 == pytest.approx(36.9)
    assert found.attendance_rate == pytest.approx(8 / 10)


def test_a_placement_straddling_the_period_counts_for_occupancy_only(test_settings, world):
    january = summary_of(test_settings, Scope((world.a,)), month(2024, 1))
    # Sara's first placement began in 2023 and ended on 31 January; Ibrahim's never ends.
    assert january.placements_started == 1  # Noor on 8 January
    assert january.placements_ended == 1  # Sara on 31 January
    occupancy = january.occupancy
    # Mondays: Ibrahim on all 5, Noor from the 8th (4) of 5 Mondays × 10 seats.
    assert (occupancy["mon"].placed_days, occupancy["mon"].seat_days) == (9, 50)
    assert (occupancy["tue"].placed_days, occupancy["tue"].seat_days) == (5, 50)
    assert (occupancy["thu"].placed_days, occupancy["thu"].seat_days) == (3, 40)
    assert occupancy["wed"].seat_days == 0 and occupancy["wed"].rate is None


def test_closure_days_count_neither_seats_nor_children(test_settings, world):
    february = summary_of(test_settings, Scope((world.a,)), month(2024, 2)).occupancy
    # Four Mondays, A closed on the 5th: three opening Mondays with Noor and Ibrahim.
    assert (february["mon"].placed_days, february["mon"].seat_days) == (6, 30)
    assert february["mon"].rate == pytest.approx(0.2)
    # Five Thursdays, the leap day among them.
    assert (february["thu"].placed_days, february["thu"].seat_days) == (5, 50)
    assert (february["tue"].placed_days, february["tue"].seat_days) == (0, 40)


def test_the_leap_day_counts_in_february(test_settings, world):
    february = summary_of(test_settings, Scope(None), month(2024, 2))
    assert february.referrals_by_source["ggd"] == 1  # 23:30 on 29 February, Dutch time
    assert (february.present, february.absent) == (1, 1)  # Noor on the 29th, away on the 26th
    leap_day = summary_of(test_settings, Scope(None), Period(date(2024, 2, 29), date(2024, 2, 29)))
    assert leap_day.referrals_received == 1 and leap_day.children_reached == 1
    march = summary_of(test_settings, Scope(None), month(2024, 3))
    assert march.referrals_by_source["ggd"] == 0 and march.referrals_by_source["guardian"] == 1


def test_midnight_in_amsterdam_decides_the_month(test_settings, world):
    january = summary_of(test_settings, Scope(None), month(2024, 1))
    assert january.referrals_by_source["police"] == 1  # 00:15 on 1 January Dutch time, still 2023 in UTC
    december = summary_of(test_settings, Scope(None), month(2023, 12))
    assert december.referrals_received == 0


def test_an_empty_period_gives_zeros_and_nulls_not_errors(test_settings, world):
    found = summary_of(test_settings, Scope(None), month(2030, 1))
    assert found.referrals_received == 0 and found.children_reached == 0
    assert found.placements_started == 0 and found.placements_ended == 0
    assert found.waiting_days.median is None and found.waiting_days.p90 is None
    assert found.attendance_rate is None
    assert found.goals_set == 0 and found.goals_reached == 0
    # Ibrahim's placement never ends, so January 2030 still has him on its Mondays.
    assert found.occupancy["mon"].placed_days == 4


def test_a_location_with_nothing_gives_nulls(test_settings, world):
    found = summary_of(test_settings, Scope((world.b,)), month(2024, 1))
    assert found.referrals_received == 0
    assert found.attendance_rate is None and found.waiting_days.median is None


def test_the_coordinator_of_b_sees_b_only(test_settings, world):
    found = summary_of(test_settings, Scope((world.b,)), year(2024))
    assert nonzero(found.referrals_by_source) == {"ggd": 1, "school": 1}  # Daan (for A and B) and Fenna
    assert found.children_reached == 1
    assert found.attendance_rate == pytest.approx(0.5)
    assert found.placements_started == 1 and found.waiting_days.median == pytest.approx(29.0)
    assert (found.goals_set, found.goals_reached) == (1, 1)
    assert found.waitlist_now == 0


def test_waitlist_today_per_location(test_settings, world):
    found = summary_of(test_settings, Scope(None), year(2024))
    assert found.waitlist_by_location == {world.a: 1}


def test_trends_per_month(test_settings, world):
    months = trends_of(test_settings, Scope(None), year(2024))
    assert [m.month.start.month for m in months] == list(range(1, 13))
    assert [m.referrals for m in months] == [1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    assert [m.placements_started for m in months] == [1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    assert [m.placements_ended for m in months] == [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    assert [m.goals_set for m in months] == [1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]
    assert [m.goals_reached for m in months] == [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    # January: Noor and Sara came (Ibrahim's only record is in December).
    assert [m.children_reached for m in months] == [2, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1]
    assert months[0].attendance_rate == pytest.approx(1.0)
    assert months[1].attendance_rate == pytest.approx(0.5)
    assert months[2].attendance_rate == pytest.approx(0.0)
    assert months[5].attendance_rate is None


def test_trends_of_a_period_cut_mid_month(test_settings, world):
    months = trends_of(test_settings, Scope(None), Period(date(2024, 2, 29), date(2024, 4, 1)))
    assert [(m.month.start, m.month.end) for m in months] == [
        (date(2024, 2, 29), date(2024, 2, 29)),
        (date(2024, 3, 1), date(2024, 3, 31)),
        (date(2024, 4, 1), date(2024, 4, 1)),
    ]
    assert [m.referrals for m in months] == [1, 1, 0]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=st.dates(min_value=date(2023, 10, 1), max_value=date(2024, 12, 31)),
    length=st.integers(min_value=0, max_value=200),
    cuts=st.lists(st.integers(min_value=0, max_value=500), min_size=0, max_size=6, unique=True),
)
def test_placed_days_are_the_days_of_each_placement_in_the_period_on_which_a_is_open(
    test_settings, world, start, length, cuts
):
    """Occupancy's placed days against a day-by-day count, with closures (of several days) that start before,
    within and after the period and the placements (one that never ends, one that straddles New Year)."""
    period = Period(start, start + timedelta(days=length))
    first_day = date(2023, 9, 1)
    bounds = sorted(first_day + timedelta(days=cut) for cut in cuts)
    ranges = [(bounds[n], bounds[n + 1]) for n in range(0, len(bounds) - 1, 2)]

    async def compare(session) -> None:
        closures = select(ClosureDay.day, ClosureDay.last_day).where(ClosureDay.location_id == world.a)
        kept = [tuple(row) for row in await session.execute(closures)]
        added = [(day, last) for day, last in ranges if all(last < d or day > e for d, e in kept)]
        for day, last in added:
            session.add(ClosureDay(location_id=world.a, day=day, last_day=last, description="dicht"))
        await session.flush()
        found = await figures.summary(session, Scope((world.a,)), period, with_waitlist=False)
        closed = {day + timedelta(days=n) for day, last in kept + added for n in range((last - day).days + 1)}
        expected = dict.fromkeys(WEEKDAYS, 0)
        placements = select(Placement.start_date, Placement.end_date, Placement.weekdays).where(
            Placement.location_id == world.a
        )
        for begin, end, weekdays in await session.execute(placements):
            day = max(begin, period.start)
            while day <= min(end or period.end, period.end):
                weekday = WEEKDAYS[day.weekday()]
                if weekday in weekdays and day not in closed:
                    expected[weekday] += 1
                day += timedelta(days=1)
        assert {weekday: found.occupancy[weekday].placed_days for weekday in WEEKDAYS} == expected
        await session.rollback()

    in_session(test_settings, compare)
