"""The kept report figures (``reports.cache``), on SQLite and PostgreSQL: for random settled periods, scopes and
writes, what a view returns equals the figures counted afresh; a write kept as a change in ``report_changes`` by
the triggers makes stale exactly the kept figures whose period its days overlap, and no other; and a period that
is still going on keeps its settled months and counts only the recent ones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.attendance.marking import lock_placement
from huiskamer.attendance.models import Attendance
from huiskamer.intake.models import Goal
from huiskamer.locations.models import ClosureDay, LocationCapacity
from huiskamer.placements.models import Placement
from huiskamer.referrals.models import Referral, ReferralLocation
from huiskamer.reports import cache, figures, service
from huiskamer.reports.figures import Scope
from huiskamer.reports.models import REPORT_CACHE, REPORT_CHANGES
from huiskamer.reports.rules import Period
from tests.service.reports_helpers import ReportWorld, add_crowd, build_world
from tests.service.seat_helpers import Sessions

FAR = date(9999, 12, 31)
FIRST_DAY, LAST_DAY = date(2023, 5, 1), date(2025, 2, 28)
WRITES = ("attendance", "referral", "goal", "closure", "capacity", "placement")


@pytest.fixture
def world(test_settings) -> ReportWorld:
    made = build_world(test_settings)
    add_crowd(test_settings, made, year=2024, children=15)
    return made


@pytest.fixture
def sessions(test_settings):
    made = Sessions(test_settings)
    yield made
    made.close()


def _scope(world: ReportWorld, which: str) -> Scope:
    return {"all": Scope(None), "a": Scope((world.a,)), "b": Scope((world.b,)), "ab": Scope((world.a, world.b))}[which]


async def _age_changes(db: AsyncSession) -> None:
    """Every change so far two hours older: the figures kept next see them as history, not as changes made while
    they were counted (those within ``cache.MARGIN`` count against them)."""
    await db.execute(update(REPORT_CHANGES).values(changed_at=REPORT_CHANGES.c.changed_at - 7200))
    await db.execute(update(REPORT_CACHE).values(computed_at=REPORT_CACHE.c.computed_at - 7200))


async def _is_kept(db: AsyncSession, kind: str, scope: Scope, period: Period) -> bool:
    key = cache.key_of(kind, cache._scope_key(scope), period.start, period.end)
    return await cache._fresh_payload(db, key) is not None


async def _write(db: AsyncSession, world: ReportWorld, kind: str, day: date, pick: int) -> tuple[date, date]:
    """One write of the kind on the day (or near it); the days it touches, as the reports count them."""
    if kind == "attendance":
        records = (await db.scalars(select(Attendance).order_by(Attendance.day, Attendance.id))).all()
        record = records[pick % len(records)]
        record.status = "absent_unexcused" if record.status == "present" else "present"
        record.absence_reason = None
        await db.flush()
        return record.day, record.day
    if kind == "referral":
        some = (await db.scalars(select(Referral).order_by(Referral.submitted_at, Referral.id))).all()
        model = some[pick % len(some)]
        submitted = datetime.combine(day, time(12), tzinfo=UTC)
        row = Referral(
            child_id=model.child_id,
            submitted_by_id=model.submitted_by_id,
            source="social_team",
            reason="Zoekt aansluiting.",
            guardian_informed=True,
            guardian_name="Ouder",
            guardian_phone="+31612345678",
            requested_weekdays=["mon"],
            status="submitted",
            submitted_at=submitted,
            status_changed_at=submitted,
            referrer_visible_change_at=submitted,
        )
        row.locations = [ReferralLocation(location_id=world.b, rank=1)]
        db.add(row)
        await db.flush()
        return day, day + timedelta(days=1)  # the UTC day and the next: its Amsterdam day is one of them
    if kind == "goal":
        intake_goal = (await db.scalars(select(Goal).order_by(Goal.id))).first()
        db.add(
            Goal(
                intake_id=intake_goal.intake_id,
                referral_id=intake_goal.referral_id,
                description="Samen spelen",
                dimension="meedoen",
                status="active",
                set_on=day,
                position=50 + pick,
            )
        )
        await db.flush()
        return day, day
    if kind == "closure":
        location = world.a if pick % 2 else world.b
        closed = await db.scalar(select(ClosureDay).where(ClosureDay.location_id == location, ClosureDay.day == day))
        if closed is None:
            db.add(ClosureDay(location_id=location, day=day, description="Studiedag"))
        else:
            await db.delete(closed)
        await db.flush()
        return day, day
    if kind == "capacity":
        await db.execute(
            update(LocationCapacity)
            .where(LocationCapacity.location_id == world.a, LocationCapacity.weekday == "mon")
            .values(seats=LocationCapacity.seats + 1)
        )
        return date(1, 1, 1), FAR  # seats count in every period
    assert kind == "placement"
    referral_id = await db.scalar(select(Referral.id).where(Referral.status == "submitted").order_by(Referral.id))
    row = Placement(
        referral_id=referral_id,
        location_id=world.b,
        weekdays=["wed"],
        start_date=day,
        end_date=day + timedelta(days=30),
        end_reason_code="moved_to_bso",
        placed_by_id=world.coordinator_ab,
    )
    db.add(row)
    await db.flush()
    return day, day + timedelta(days=30)


def _overlaps(period: Period, first: date, last: date) -> bool:
    return first <= period.end and last >= period.start


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=st.dates(FIRST_DAY, LAST_DAY),
    length=st.integers(0, 400),
    which=st.sampled_from(["all", "a", "b", "ab"]),
    write=st.sampled_from(WRITES),
    day=st.dates(FIRST_DAY, LAST_DAY),
    pick=st.integers(0, 1000),
)
def test_kept_figures_equal_fresh_ones_and_a_write_makes_stale_exactly_the_periods_it_touches(
    world, sessions, start, length, which, write, day, pick
):
    period = Period(start, min(start + timedelta(days=length), LAST_DAY))
    scope = _scope(world, which)

    async def view(db: AsyncSession):
        summary = await service._summary(db, scope, period, with_waitlist=False)
        months = await service._months(db, scope, period)
        return summary, months

    async def fresh(db: AsyncSession):
        return await figures.summary(db, scope, period, with_waitlist=False), await figures.trends(db, scope, period)

    async def kept(db: AsyncSession) -> tuple[bool, bool]:
        return await _is_kept(db, "samenvatting", scope, period), await _is_kept(db, "maanden", scope, period)

    sessions.run(_age_changes)
    first_view = sessions.run(view)
    assert first_view == sessions.run(fresh)
    assert sessions.run(kept) == (True, True)  # a settled period, counted once: kept
    assert sessions.run(view) == first_view  # and seen again from what was kept

    touched = sessions.run(lambda db: _write(db, world, write, day, pick))
    stale = _overlaps(period, *touched)
    assert sessions.run(kept) == (not stale, not stale), (write, touched, period)
    after = sessions.run(view)
    assert after == sessions.run(fresh)  # recounted when stale, unchanged figures when not
    if not stale:
        assert after == first_view


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    on=st.dates(date(2024, 1, 1), date(2025, 12, 31)),
    start=st.dates(date(2023, 1, 1), date(2025, 12, 31)),
    length=st.integers(0, 500),
)
def test_a_period_in_two_at_its_settled_months_counts_the_same_months(world, sessions, on, start, length):
    period = Period(start, start + timedelta(days=length))
    settled, recent = service._split_at_settled_month(period, on)
    parts = [part for part in (settled, recent) if part is not None]
    assert parts and parts[0].start == period.start and parts[-1].end == period.end
    if settled is not None:
        assert settled.end < on - timedelta(days=cache.SETTLED_DAYS)  # the cache keeps it
        assert (settled.end + timedelta(days=1)).day == 1 or recent is None  # split at a month's end
    if recent is not None:
        assert recent.start > on - timedelta(days=cache.SETTLED_DAYS + 32)  # the live part is a month or two

    async def both(db: AsyncSession):
        whole = await figures.trends(db, Scope(None), period)
        split = [month for part in parts for month in await figures.trends(db, Scope(None), part)]
        return whole, split

    whole, split = sessions.run(both)
    assert whole == split


def test_the_current_year_keeps_its_settled_months_and_counts_the_last_afresh(test_settings, world, sessions):
    """A year still going on (2024, seen on 20 December 2024): January to November kept, December counted now;
    a tap in December leaves the kept months as they are, one in March makes them stale."""
    on = date(2024, 12, 20)
    year = Period(date(2024, 1, 1), date(2024, 12, 31))
    settled = Period(date(2024, 1, 1), date(2024, 11, 30))
    scope = Scope(None)

    async def view(db: AsyncSession):
        return await service._months(db, scope, year)

    sessions.run(_age_changes)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(service, "today", lambda: on)
        months = sessions.run(view)
        assert months == sessions.run(lambda db: figures.trends(db, scope, year))
        assert [month.month.start.month for month in months] == list(range(1, 13))
        assert sessions.run(lambda db: _is_kept(db, "maanden", scope, settled))
        assert not sessions.run(lambda db: _is_kept(db, "maanden", scope, year))

        december = months[-1]
        removed = sessions.run(
            lambda db: db.execute(
                delete(Attendance)
                .where(Attendance.day.between(date(2024, 12, 1), date(2024, 12, 31)), Attendance.status == "present")
                .returning(Attendance.id)
            )
        ).all()
        assert removed and december.present >= len(removed)
        assert sessions.run(lambda db: _is_kept(db, "maanden", scope, settled))  # December is not in it
        again = sessions.run(view)
        assert again[:-1] == months[:-1] and again[-1].present == december.present - len(removed)

        march = sessions.run(
            lambda db: db.scalar(
                select(Attendance.id).where(Attendance.day.between(date(2024, 3, 1), date(2024, 3, 31)))
            )
        )
        assert march is not None
        sessions.run(lambda db: db.execute(delete(Attendance).where(Attendance.id == march)))
        assert not sessions.run(lambda db: _is_kept(db, "maanden", scope, settled))
        assert sessions.run(view) == sessions.run(lambda db: figures.trends(db, scope, year))


def test_a_tap_of_today_logs_no_change(test_settings, world, sessions):
    """Today's records change nothing that is kept (no kept period reaches today): the triggers leave
    ``report_changes`` alone, so that the day's taps do not all write (and on PostgreSQL queue for) one row."""
    today_utc = datetime.now(UTC).date()

    async def place_and_tap(db: AsyncSession) -> tuple[int, int]:
        before = await db.scalar(select(func.count()).select_from(REPORT_CHANGES))
        placement = (await db.scalars(select(Placement).where(Placement.end_date.is_(None)))).first()
        db.add(
            Attendance(
                placement_id=placement.id,
                referral_id=placement.referral_id,
                location_id=placement.location_id,
                day=today_utc,
                status="present",
                recorded_by_id=placement.placed_by_id,
            )
        )
        await db.flush()
        return before, await db.scalar(select(func.count()).select_from(REPORT_CHANGES))

    before, after = sessions.run(place_and_tap)
    assert before > 0 and after == before


def test_a_taps_lock_on_its_placement_logs_no_change_and_a_real_change_does(test_settings, world, sessions):
    """On SQLite a tap takes the write lock with an update of its placement that changes nothing
    (``lock_placement``). Such an update logs nothing: before, every tap logged its placement's whole span, and every
    kept report of a period since the placement began went stale all day long. A real change still logs."""
    today_utc = datetime.now(UTC).date()

    async def writes(db: AsyncSession) -> int:
        return int(await db.scalar(select(func.coalesce(func.sum(REPORT_CHANGES.c.writes), 0))))

    async def lock_then_change(db: AsyncSession) -> tuple[int, int, int, int]:
        placement = (await db.scalars(select(Placement).where(Placement.end_date.is_(None)))).first()
        before = await writes(db)
        assert await lock_placement(db, placement.id, placement.location_id, today_utc) is not None
        after_lock = await writes(db)
        await db.execute(update(Placement).where(Placement.id == placement.id).values(weekdays=placement.weekdays))
        after_same = await writes(db)
        placement.end_date = today_utc - timedelta(days=30)
        await db.flush()
        return before, after_lock, after_same, await writes(db)

    before, after_lock, after_same, after_change = sessions.run(lock_then_change)
    assert before > 0 and after_lock == before and after_same == before
    assert after_change > before


def test_the_worker_forgets_unused_entries_and_changes_that_can_no_longer_matter(test_settings, world, sessions):
    """An entry unused for ``KEEP_DAYS`` goes; so does every change older than the oldest entry left (less the
    margin): it could make no entry stale. What is left still answers as before."""
    from huiskamer import worker

    day = 86_400
    period = Period(date(2024, 1, 1), date(2024, 6, 30))
    other = Period(date(2024, 7, 1), date(2024, 12, 31))

    async def keep_two(db: AsyncSession) -> int:
        await _age_changes(db)
        for part in (period, other):
            await service._summary(db, Scope(None), part, with_waitlist=False)
        now = await cache.database_now(db)
        # ``other`` was last used long ago; ``period`` was made a day ago; changes of every age around them.
        old = cache.key_of("samenvatting", "alle", other.start, other.end)
        await db.execute(
            update(REPORT_CACHE).where(REPORT_CACHE.c.key == old).values(used_at=now - (cache.KEEP_DAYS + 1) * day)
        )
        await db.execute(update(REPORT_CACHE).values(computed_at=now - day))
        await db.execute(delete(REPORT_CHANGES))
        for age, first in (
            (3 * day, date(2024, 2, 1)),
            (day + cache.MARGIN - 60, date(2024, 3, 1)),
            (60, date(2025, 5, 1)),
        ):
            await db.execute(
                REPORT_CHANGES.insert().values(first_day=first, last_day=first, changed_at=now - age, writes=1)
            )
        return now

    sessions.run(keep_two)
    worker._pruned_at.clear()
    engine_sessions = sessions.maker
    gone, forgotten = sessions.loop.run_until_complete(worker.prune_report_cache(engine_sessions, test_settings))
    assert (gone, forgotten) == (1, 1)
    # Within the hour the job does not look again.
    assert sessions.loop.run_until_complete(worker.prune_report_cache(engine_sessions, test_settings)) == (0, 0)

    async def left(db: AsyncSession):
        entries = (await db.execute(select(REPORT_CACHE.c.first_day))).scalars().all()
        changes = (await db.execute(select(REPORT_CHANGES.c.first_day).order_by(REPORT_CHANGES.c.first_day))).all()
        return entries, [first for (first,) in changes]

    entries, changes = sessions.run(left)
    assert entries == [period.start]
    assert changes == [date(2024, 3, 1), date(2025, 5, 1)]  # the one of three days ago could make nothing stale
    # The change within the margin of the entry's making still counts against it.
    assert not sessions.run(lambda db: _is_kept(db, "samenvatting", Scope(None), period))


def test_figures_counted_right_after_a_write_are_kept_and_a_second_write_in_the_same_second_still_counts(
    world, sessions
):
    """No waiting for the margin: figures counted just after the data went in (an import, the demo) are kept at
    once; and a write to a range already logged in the same second (the same moment) still makes them stale,
    through the range's count of writes."""
    period = Period(date(2024, 3, 1), date(2024, 3, 31))
    scope = Scope(None)

    async def write_view_write(db: AsyncSession):
        await _write(db, world, "goal", date(2024, 3, 12), 1)
        await db.commit()
        first = await service._summary(db, scope, period, with_waitlist=False)
        kept = await _is_kept(db, "samenvatting", scope, period)
        moment = await db.scalar(
            select(REPORT_CHANGES.c.changed_at).where(REPORT_CHANGES.c.first_day == date(2024, 3, 12))
        )
        await _write(db, world, "goal", date(2024, 3, 12), 2)
        await db.flush()
        # The same moment, as two writes within one second would have it.
        await db.execute(
            update(REPORT_CHANGES).where(REPORT_CHANGES.c.first_day == date(2024, 3, 12)).values(changed_at=moment)
        )
        await db.commit()
        stale = not await _is_kept(db, "samenvatting", scope, period)
        again = await service._summary(db, scope, period, with_waitlist=False)
        return first, kept, stale, again, await figures.summary(db, scope, period, with_waitlist=False)

    first, kept, stale, again, fresh = sessions.run(write_view_write)
    assert kept and stale
    assert again == fresh and fresh.goals_by_dimension != first.goals_by_dimension


def test_a_view_marks_an_entry_used_once_a_day_so_that_the_worker_keeps_it(world, sessions):
    """Read from the cache, an entry last marked more than a day ago is marked used now (the prune's measure); one
    marked today is left alone, so that views do not all become writes."""
    period = Period(date(2024, 4, 1), date(2024, 4, 30))
    key = cache.key_of("samenvatting", "alle", period.start, period.end)

    async def used_after_a_view(db: AsyncSession, used_at: int) -> int:
        await db.execute(update(REPORT_CACHE).where(REPORT_CACHE.c.key == key).values(used_at=used_at))
        await db.commit()
        await service._summary(db, Scope(None), period, with_waitlist=False)
        return await db.scalar(select(REPORT_CACHE.c.used_at).where(REPORT_CACHE.c.key == key))

    sessions.run(lambda db: service._summary(db, Scope(None), period, with_waitlist=False))
    now = sessions.run(cache.database_now)
    assert sessions.run(lambda db: used_after_a_view(db, now - 3 * 86_400)) >= now - 5
    assert sessions.run(lambda db: used_after_a_view(db, now - 3_600)) == now - 3_600
