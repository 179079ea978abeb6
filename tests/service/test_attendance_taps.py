"""Taps made on phones (api-v1.md, "Attendance taps made offline") through the marking service, on a real database:
delivered in any order and any number of times, the record of the child's day is the latest tap (by the phone's
clock, the tap id breaking a tie) and every tap id is stored once."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from huiskamer.attendance import marking
from huiskamer.attendance.models import Attendance, AttendanceTap
from huiskamer.attendance.rules import tap_order
from huiskamer.attendance.schemas import MarkChange
from huiskamer.auth.actor import Actor
from huiskamer.site.templating import AMSTERDAM, today
from huiskamer.validation import WEEKDAYS
from tests.attendance_helpers import place_child
from tests.service.seat_helpers import Sessions, empty, new_actor, new_location

COLLECTORS = ("M. Bakker (moeder)", "opa Bakker")  # the collection persons place_child gives every child


@dataclass(frozen=True)
class Tap:
    id: UUID
    tapped_at: datetime
    status: str
    reason: str | None = None
    arrived: datetime | None = None
    left: datetime | None = None
    collected_by: str | None = None

    def change(self) -> MarkChange:
        """The whole record as the phone saw it: every field sent."""
        return MarkChange(
            status=self.status,
            absence_reason=self.reason,
            arrived_at=self.arrived,
            left_at=self.left,
            collected_by=self.collected_by,
            tap_id=self.id,
            tapped_at=self.tapped_at,
            pickup_confirmed=True,
        )


def at(day, minutes: int) -> datetime:
    return datetime.combine(day, time(13, 0), tzinfo=AMSTERDAM) + timedelta(minutes=minutes)


@st.composite
def taps(draw, day, now: datetime) -> Tap:
    status = draw(st.sampled_from(["present", "present", "absent_excused", "absent_unexcused", "unknown"]))
    # Phone clocks within the last hour, a few on the same second (two phones, one moment).
    tapped_at = now - timedelta(seconds=draw(st.integers(0, 3600)))
    tap_id = draw(st.uuids(version=4))
    if status == "absent_excused":
        return Tap(tap_id, tapped_at, status, reason=draw(st.sampled_from(["ill", "family", "other"])))
    if status != "present":
        return Tap(tap_id, tapped_at, status)
    arrived = at(day, draw(st.integers(0, 120)))
    if not draw(st.booleans()):
        return Tap(tap_id, tapped_at, status, arrived=arrived)
    left = arrived + timedelta(minutes=draw(st.integers(0, 240)))
    return Tap(tap_id, tapped_at, status, arrived=arrived, left=left, collected_by=draw(st.sampled_from(COLLECTORS)))


@st.composite
def deliveries(draw, day, now: datetime) -> tuple[list[Tap], list[int]]:
    """Some taps of one child's day, and the order they arrive in: every tap at least once, some again."""
    made = draw(st.lists(taps(day, now), min_size=1, max_size=6, unique_by=lambda tap: tap.id))
    order = draw(st.permutations(range(len(made))))
    again = draw(st.lists(st.integers(0, len(made) - 1), max_size=4))
    arrival = list(order)
    for index in again:
        arrival.insert(draw(st.integers(0, len(arrival))), index)
    return made, arrival


@dataclass
class Room:
    sessions: Sessions
    location: UUID
    coordinator: UUID
    worker: Actor


@pytest.fixture
def room(test_settings):
    sessions = Sessions(test_settings)
    sessions.run(empty)

    async def build(db) -> Room:
        location = await new_location(db, "Huiskamer Tik", {day: 80 for day in WEEKDAYS})
        coordinator = await new_actor(db, "coordinator", "coordinator@tik.example", [location])
        worker = await new_actor(db, "youth_worker", "kinderwerker@tik.example", [location])
        return Room(sessions, location, coordinator.id, worker)

    built = sessions.run(build)
    yield built
    sessions.close()


def test_the_record_is_the_latest_tap_whatever_the_order_and_each_tap_id_counts_once(room):
    day = today() - timedelta(days=1)  # yesterday: every time of it lies in the past
    now = datetime.now(UTC)

    @settings(max_examples=60, deadline=None)
    @given(delivery=deliveries(day, now))
    def check(delivery: tuple[list[Tap], list[int]]) -> None:
        drawn, arrival = delivery
        # Fresh ids in every example (hypothesis draws the same ones again; a tap id is stored once, forever).
        made = [replace(tap, id=uuid4()) for tap in drawn]

        async def work(db) -> None:
            child = await place_child(db, location_id=room.location, coordinator_id=room.coordinator)
            await db.commit()
            for index in arrival:
                await marking.mark(
                    db, room.worker, room.location, day, child.placement_id, made[index].change(),
                    today=today(), now=now,
                )  # fmt: skip
            latest = max(made, key=lambda tap: tap_order(tap.tapped_at, tap.id))
            record = await db.scalar(
                select(Attendance).where(Attendance.placement_id == child.placement_id, Attendance.day == day)
            )
            if latest.status == "unknown":
                assert record is None
            else:
                assert record is not None
                stored = (record.status, record.absence_reason, record.arrived_at, record.left_at, record.collected_by)
                assert stored == (latest.status, latest.reason, latest.arrived, latest.left, latest.collected_by)
            kept = await db.scalar(
                select(func.count()).select_from(AttendanceTap).where(AttendanceTap.placement_id == child.placement_id)
            )
            assert kept == len(made)

        room.sessions.run(work)

    check()


def test_an_older_tap_that_arrives_later_changes_nothing_but_is_kept(room):
    day = today() - timedelta(days=1)
    now = datetime.now(UTC)

    async def work(db) -> None:
        child = await place_child(db, location_id=room.location, coordinator_id=room.coordinator)
        await db.commit()
        newer = Tap(UUID(int=2), now - timedelta(minutes=1), "absent_excused", reason="ill")
        older = Tap(UUID(int=1), now - timedelta(minutes=5), "present", arrived=at(day, 0))
        first = await marking.mark(
            db, room.worker, room.location, day, child.placement_id, newer.change(), today=today(), now=now
        )
        late = await marking.mark(
            db, room.worker, room.location, day, child.placement_id, older.change(), today=today(), now=now
        )
        again = await marking.mark(
            db, room.worker, room.location, day, child.placement_id, older.change(), today=today(), now=now
        )
        assert first.applied and not late.applied and not late.repeated and again.repeated
        assert late.child.status == again.child.status == "absent_excused"
        history = (
            await db.scalars(
                select(AttendanceTap)
                .where(AttendanceTap.placement_id == child.placement_id)
                .order_by(AttendanceTap.tapped_at)
            )
        ).all()
        assert [(tap.id, tap.applied, tap.change["status"]) for tap in history] == [
            (older.id, False, "present"),
            (newer.id, True, "absent_excused"),
        ]

    room.sessions.run(work)


def test_the_same_tap_id_for_another_child_is_refused(room):
    day = today() - timedelta(days=1)
    now = datetime.now(UTC)

    async def work(db) -> None:
        one = await place_child(db, location_id=room.location, coordinator_id=room.coordinator)
        two = await place_child(db, location_id=room.location, coordinator_id=room.coordinator)
        await db.commit()
        tap = Tap(UUID(int=7), now - timedelta(minutes=1), "absent_unexcused")
        await marking.mark(db, room.worker, room.location, day, one.placement_id, tap.change(), today=today(), now=now)
        with pytest.raises(marking.Conflict, match="al vastgelegd"):
            await marking.mark(
                db, room.worker, room.location, day, two.placement_id, tap.change(), today=today(), now=now
            )

    room.sessions.run(work)


@pytest.mark.parametrize(("offset", "message"), [(timedelta(minutes=6), "toekomst"), (-timedelta(days=8), "7 dagen")])
def test_a_tap_from_a_clock_far_ahead_or_more_than_a_week_old_is_bad_input(room, offset, message):
    day = today() - timedelta(days=1)
    now = datetime.now(UTC)

    async def work(db) -> None:
        child = await place_child(db, location_id=room.location, coordinator_id=room.coordinator)
        await db.commit()
        tap = Tap(UUID(int=9), now + offset, "absent_unexcused")
        with pytest.raises(marking.InvalidInput) as refused:
            await marking.mark(
                db, room.worker, room.location, day, child.placement_id, tap.change(), today=today(), now=now
            )
        assert message in refused.value.errors["tapped_at"]

    room.sessions.run(work)
