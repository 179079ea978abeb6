"""The day list from the database, checked with hypothesis: for random placements (weekdays, start and end dates)
and closure days at a location, the list of any date holds exactly the children whose placement covers that date
on one of its weekdays, on a day the location is open; and when the placements went through the capacity check,
never more children than that weekday's seats. On SQLite, and on PostgreSQL when it is configured.

The reference walks each placement's dates one by one; the service filters by dates in SQL and by weekday in
Python, so this checks the query and the rule together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.attendance import service as attendance
from huiskamer.auth.actor import Actor
from huiskamer.locations.models import ClosureDay, LocationCapacity
from huiskamer.placements.models import Placement, SeatClaim
from huiskamer.placements.rules import peak_load
from huiskamer.validation import WEEKDAYS
from tests.attendance_helpers import place_child
from tests.service.seat_helpers import Sessions, actor_of, new_actor, new_location

BASE = date(2026, 8, 31)  # a Monday
POOL = 14


@dataclass(frozen=True)
class Wish:
    weekdays: tuple[str, ...]
    start: date
    end: date | None


def near(lo: int = -20, hi: int = 70) -> st.SearchStrategy[date]:
    return st.integers(lo, hi).map(lambda n: BASE + timedelta(days=n))


@st.composite
def wishes(draw: st.DrawFn) -> Wish:
    start = draw(near())
    end = draw(st.one_of(st.none(), st.integers(0, 60).map(lambda n: start + timedelta(days=n))))
    days = draw(st.sets(st.sampled_from(WEEKDAYS[:5]), min_size=1, max_size=5))
    return Wish(tuple(day for day in WEEKDAYS if day in days), start, end)


def covers(wish: Wish, day: date, closed: set[date]) -> bool:
    """Walks the placement's dates one by one."""
    current = wish.start
    while current <= min(wish.end or day, day):
        if current == day and WEEKDAYS[current.weekday()] in wish.weekdays and day not in closed:
            return True
        current += timedelta(days=1)
    return False


@pytest.fixture
def world(test_settings):
    sessions = Sessions(test_settings)

    async def setup(db: AsyncSession) -> tuple[UUID, Actor, list[tuple[UUID, UUID]]]:
        location = await new_location(db, "Huiskamer Eik", {day: 0 for day in WEEKDAYS})
        coordinator = await new_actor(db, "coordinator", "eik@test.example", [location])
        youth_worker = await new_actor(db, "youth_worker", "kim@test.example", [location])
        pool = []
        for _ in range(POOL):
            child = await place_child(db, location_id=location, coordinator_id=coordinator.id, start=BASE)
            pool.append((child.referral_id, child.placement_id))
        # The pool's own placements go: each example makes its own.
        await db.execute(delete(SeatClaim))
        await db.execute(delete(Placement))
        return location, youth_worker, pool

    location, youth_worker, pool = sessions.run(setup)
    yield sessions, location, youth_worker, pool
    sessions.close()


def store(sessions: Sessions, location: UUID, pool, placed: list[Wish], closed: set[date], seats: dict) -> dict:
    async def work(db: AsyncSession) -> dict[UUID, Wish]:
        await db.execute(delete(Placement).where(Placement.location_id == location))
        await db.execute(delete(ClosureDay).where(ClosureDay.location_id == location))
        await db.execute(delete(LocationCapacity).where(LocationCapacity.location_id == location))
        db.add_all(LocationCapacity(location_id=location, weekday=day, seats=n) for day, n in seats.items())
        db.add_all(ClosureDay(location_id=location, day=day, description="Studiedag") for day in closed)
        ids = {}
        for (referral_id, _old), wish in zip(pool, placed, strict=False):
            placement = Placement(
                referral_id=referral_id,
                location_id=location,
                weekdays=list(wish.weekdays),
                start_date=wish.start,
                end_date=wish.end,
                placed_by_id=(await actor_of_any(db)).id,
            )
            db.add(placement)
            await db.flush()
            ids[placement.id] = wish
        return ids

    return sessions.run(work)


async def actor_of_any(db: AsyncSession) -> Actor:
    from sqlalchemy import select

    from huiskamer.auth.models import User

    user_id = await db.scalar(select(User.id).where(User.role == "coordinator").limit(1))
    return await actor_of(db, user_id)


def listed(sessions: Sessions, actor: Actor, location: UUID, day: date) -> attendance.DayList:
    async def work(db: AsyncSession) -> attendance.DayList:
        return await attendance.day_list(db, actor, location, day)

    return sessions.run(work)


def boundaries(placed: list[Wish]) -> list[date]:
    """The dates where a mistake shows: each start and end, and the days either side."""
    edges = [wish.start for wish in placed] + [wish.end for wish in placed if wish.end is not None]
    return sorted({edge + timedelta(days=shift) for edge in edges for shift in (-1, 0, 1)})


@settings(max_examples=30)
@given(data=st.data())
def test_the_day_list_holds_exactly_the_children_whose_placement_covers_the_date(world, data):
    sessions, location, youth_worker, pool = world
    placed = data.draw(st.lists(wishes(), max_size=POOL), label="placements")
    closed = data.draw(st.sets(near(), max_size=5), label="closure days")
    candidates = boundaries(placed) + sorted(closed)
    pick = st.sampled_from(candidates) if candidates else near()
    days = data.draw(st.lists(st.one_of(pick, near(-25, 80)), min_size=1, max_size=6), label="days")
    ids = store(sessions, location, pool, placed, closed, {day: 99 for day in WEEKDAYS})
    for day in days:
        found = listed(sessions, youth_worker, location, day)
        expected = {placement for placement, wish in ids.items() if covers(wish, day, closed)}
        assert {child.placement_id for child in found.children} == expected, day
        assert (found.closed is not None) == (day in closed)


@st.composite
def within_capacity(draw: st.DrawFn) -> tuple[dict[str, int], list[Wish]]:
    """Placements taken the way the placement service takes them: only when every weekday has a free seat at
    the busiest moment from the start on."""
    seats = {day: draw(st.integers(0, 3)) for day in WEEKDAYS}
    taken: list[Wish] = []
    for wish in draw(st.lists(wishes(), max_size=POOL)):
        spans = {day: [(w.start, w.end) for w in taken if day in w.weekdays] for day in WEEKDAYS}
        if all(peak_load(day, spans[day], wish.start) + 1 <= seats[day] for day in wish.weekdays):
            taken.append(wish)
    return seats, taken


@settings(max_examples=30)
@given(data=st.data())
def test_the_count_never_exceeds_the_capacity_of_the_weekday(world, data):
    sessions, location, youth_worker, pool = world
    seats, wishes_taken = data.draw(within_capacity(), label="placements")
    candidates = boundaries(wishes_taken)
    pick = st.sampled_from(candidates) if candidates else near()
    days = data.draw(st.lists(st.one_of(pick, near(-25, 80)), min_size=1, max_size=6), label="days")
    store(sessions, location, pool, wishes_taken, set(), seats)
    for day in days:
        found = listed(sessions, youth_worker, location, day)
        assert found.capacity == seats[WEEKDAYS[day.weekday()]]
        assert found.expected <= found.capacity, (day, found.expected, found.capacity)
