"""The monthly attendance totals the database keeps (``reports.models.ATTENDANCE_MONTHS``), on SQLite and
PostgreSQL: after any mix of records written, changed (status, day, across a month's end) and removed, they
equal the day records counted afresh; and the figures of any period, read from those totals for its whole
months and from the day records for the days left, equal the figures counted from the day records alone."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.attendance.models import Attendance
from huiskamer.referrals.models import Referral
from huiskamer.reports import figures
from huiskamer.reports.figures import Scope
from huiskamer.reports.models import ATTENDANCE_MONTHS, refill_attendance_months
from huiskamer.reports.rules import Period
from tests.factories import in_session
from tests.service.reports_helpers import ReportWorld, build_world


@pytest.fixture
def world(test_settings) -> ReportWorld:
    return build_world(test_settings)


async def _kept_and_counted(session: AsyncSession) -> tuple[dict, dict]:
    """The totals as kept (rows with days only) and as counted from the day records."""
    kept = {
        (row.location_id, row.month, row.referral_id): (row.present, row.absent)
        for row in (await session.execute(select(ATTENDANCE_MONTHS))).all()
        if row.present or row.absent
    }
    counted: Counter = Counter()
    for location_id, referral_id, day, status in (
        await session.execute(select(Attendance.location_id, Attendance.referral_id, Attendance.day, Attendance.status))
    ).all():
        key = (location_id, day.replace(day=1), referral_id)
        present, absent = counted[key] or (0, 0)
        counted[key] = (present + (status == "present"), absent + (status != "present"))
    return kept, dict(counted)


def test_the_totals_follow_every_write_change_and_removal(test_settings, world):
    async def change(session: AsyncSession) -> tuple[dict, dict, int]:
        records = list((await session.scalars(select(Attendance).order_by(Attendance.day))).all())
        first, second, third, fourth = records[0], records[1], records[2], records[3]
        first.status = "absent_excused" if first.status == "present" else "present"  # status changes
        second.day = second.day.replace(day=1) - timedelta(days=1)  # moves into the month before
        await session.delete(third)  # removed
        # Moved to another child's referral and another location (not done by the app, but kept right).
        other = next(record for record in records if record.referral_id != fourth.referral_id)
        fourth.referral_id, fourth.location_id = other.referral_id, other.location_id
        await session.flush()
        # A change the totals do not depend on leaves them as they were.
        await session.execute(update(Attendance).values(absence_note="ziek"))
        # Several at once, as a bulk statement.
        await session.execute(update(Attendance).where(Attendance.status == "absent_excused").values(status="present"))
        await session.flush()
        kept, counted = await _kept_and_counted(session)
        return kept, counted, len(records)

    kept, counted, written = in_session(test_settings, change)
    assert written >= 4
    assert kept == counted and counted

    async def remove_all(session: AsyncSession) -> tuple[dict, dict]:
        await session.execute(delete(Attendance))
        await session.flush()
        return await _kept_and_counted(session)

    assert in_session(test_settings, remove_all) == ({}, {})


def test_a_refill_after_a_load_without_triggers_counts_the_same(test_settings, world):
    async def refill(session: AsyncSession) -> tuple[dict, dict, dict]:
        kept_by_triggers, _ = await _kept_and_counted(session)
        await session.execute(delete(ATTENDANCE_MONTHS))
        await session.execute(refill_attendance_months(session.get_bind().dialect.name))
        refilled, counted = await _kept_and_counted(session)
        return kept_by_triggers, refilled, counted

    kept_by_triggers, refilled, counted = in_session(test_settings, refill)
    assert kept_by_triggers == refilled == counted and counted


def _counted_from_days(
    session_rows: list, referral_child: dict, period: Period, locations
) -> tuple[int, int, int, int]:
    present: Counter = Counter()
    recorded: set = set()
    days_present = days_absent = 0
    for location_id, referral_id, day, status in session_rows:
        if not period.contains(day) or (locations is not None and location_id not in locations):
            continue
        child = referral_child[referral_id]
        recorded.add(child)
        if status == "present":
            present[child] += 1
            days_present += 1
        else:
            days_absent += 1
    return len(present), len(recorded), days_present, days_absent


def test_a_child_whose_records_of_a_month_were_all_removed_counts_as_nothing_that_month(test_settings, world):
    """Their row of that month stays, with zeros: not reached, not recorded, no days."""

    async def remove_and_count(session: AsyncSession):
        record = (await session.scalars(select(Attendance).order_by(Attendance.day))).first()
        month_start = record.day.replace(day=1)
        month = Period(month_start, (month_start + timedelta(days=31)).replace(day=1) - timedelta(days=1))
        before = await figures.summary(session, Scope(None), month, with_waitlist=False)
        removed = (
            await session.execute(
                delete(Attendance)
                .where(Attendance.referral_id == record.referral_id, Attendance.day.between(month.start, month.end))
                .returning(Attendance.status)
            )
        ).all()
        await session.flush()
        zeros = (
            await session.execute(
                select(ATTENDANCE_MONTHS).where(
                    ATTENDANCE_MONTHS.c.referral_id == record.referral_id, ATTENDANCE_MONTHS.c.month == month_start
                )
            )
        ).one()
        after = await figures.summary(session, Scope(None), month, with_waitlist=False)
        return before, after, [status for (status,) in removed], zeros

    before, after, removed, zeros = in_session(test_settings, remove_and_count)
    assert (zeros.present, zeros.absent) == (0, 0)
    present = removed.count("present")
    assert after.children_recorded == before.children_recorded - 1
    assert after.children_reached == before.children_reached - (1 if present else 0)
    assert (after.present, after.absent) == (before.present - present, before.absent - (len(removed) - present))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=st.dates(date(2023, 11, 1), date(2025, 1, 31)),
    length=st.integers(0, 420),
    one_location=st.booleans(),
)
def test_figures_from_totals_and_days_equal_those_from_days_alone(test_settings, world, start, length, one_location):
    period = Period(start, start + timedelta(days=length))
    scope = Scope((world.a,)) if one_location else Scope(None)

    async def both(session: AsyncSession):
        rows = (
            await session.execute(
                select(Attendance.location_id, Attendance.referral_id, Attendance.day, Attendance.status)
            )
        ).all()
        children = dict((await session.execute(select(Referral.id, Referral.child_id))).all())
        found = await figures.summary(session, scope, period, with_waitlist=False)
        months = await figures.trends(session, scope, period)
        return rows, children, found, months

    rows, children, found, months = in_session(test_settings, both)
    expected = _counted_from_days(rows, children, period, scope.location_ids)
    assert (found.children_reached, found.children_recorded, found.present, found.absent) == expected
    for part in months:
        assert (part.children_reached, part.children_recorded, part.present, part.absent) == _counted_from_days(
            rows, children, part.month, scope.location_ids
        )
