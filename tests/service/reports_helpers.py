"""A hand-made data set for the report figures, with answers worked out by hand (see ``KNOWN_2024``).

Two locations: A (10 seats on Monday, Tuesday and Thursday; closed on Monday 5 February 2024) and B (5 seats on
Monday and Wednesday). Six children:

- Noor (school, Stedenwijk): waitlisted 1 Dec 2023, placed at A Mon+Thu 8 Jan 2024 (38 days), ended 30 Jun 2024
  goals reached. Attendance: present 8 Jan, 11 Jan, 29 Feb (the leap day); absent 26 Feb (excused), 4 Mar
  (unexcused). Goals set 1 Dec 2023: meedoen (reached 15 Mar 2024), mentaal welbevinden (still open).
- Daan (GGD, Kruidenwijk): referred for A and B at 23:30 on 29 Feb 2024 (22:30 UTC), waitlisted 5 Mar 2024,
  placed at B Wed 3 Apr 2024 (29 days). Present 3 Apr, absent 10 Apr. Goal meedoen set 5 Mar, reached 20 Dec.
- Sara, placed twice: at A on Tuesdays from 5 Sep 2023 to 31 Jan 2024 (guardian stopped: the placement
  straddles the start of 2024), then referred again by her parents at 23:30 on 31 Mar 2024 (21:30 UTC, summer
  time), waitlisted 10 Apr, placed at A Tue 7 May 2024 (27 days). Present 9 and 16 Jan, 7 and 14 May. A goal in
  her own words (no dimension) set 10 Apr 2024.
- Milan (police, no neighbourhood): referred at 00:15 on 1 Jan 2024 (23:15 UTC on 31 Dec 2023), waitlisted
  10 Jan 2024 and still waiting. Goal dagelijks functioneren set 10 Jan 2024.
- Fenna (school, Muziekwijk): referred for B on 15 Jun 2024, not yet reviewed.
- Ibrahim: placed at A on Mondays since 5 Jun 2023 with no end (straddles all of 2024). Present 30 Dec 2024.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.attendance.models import Attendance
from huiskamer.auth.models import User
from huiskamer.config import Settings
from huiskamer.intake.models import Goal, Intake
from huiskamer.placements.models import Placement
from huiskamer.referrals.models import Child, Referral, ReferralLocation
from huiskamer.referrals.service import match_key
from tests.factories import PASSWORD, in_session, make_location, make_user


@dataclass(frozen=True)
class ReportWorld:
    a: UUID
    b: UUID
    coordinator_a: UUID
    coordinator_b: UUID
    coordinator_ab: UUID
    youth_worker_a: UUID
    referrer: UUID
    admin: UUID


# Children's names and birthdays in the data set: no export may hold any of them.
NAMES = ("Noor", "Daan", "Sara", "Milan", "Fenna", "Ibrahim", "Bakker", "Yilmaz", "Jansen", "El Amrani")
BIRTHDAYS = (
    date(2016, 3, 14),
    date(2015, 7, 2),
    date(2017, 11, 23),
    date(2014, 1, 5),
    date(2018, 9, 9),
    date(2016, 2, 29),
)


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@functools.cache
def _password_hash() -> str:
    from huiskamer.auth.secrets import hash_password

    return hash_password(PASSWORD)


def build_world(settings: Settings, *, passwords: bool = False) -> ReportWorld:
    """The data set; ``passwords``: the people can log in with ``PASSWORD`` (hashed once for all of them)."""
    a = make_location(
        settings, "Huiskamer Anemoon", seats={"mon": 10, "tue": 10, "thu": 10}, closure_days=(date(2024, 2, 5),)
    )
    b = make_location(settings, "Huiskamer Berk", seats={"mon": 5, "wed": 5}, neighbourhoods=("Kruidenwijk",))
    world = ReportWorld(
        a=a,
        b=b,
        coordinator_a=make_user(settings, "coordinator", location_ids=(a,), password=None),
        coordinator_b=make_user(settings, "coordinator", location_ids=(b,), password=None),
        coordinator_ab=make_user(settings, "coordinator", location_ids=(a, b), password=None),
        youth_worker_a=make_user(settings, "youth_worker", location_ids=(a,), password=None),
        referrer=make_user(settings, "referrer", password=None),
        admin=make_user(settings, "admin", password=None),
    )
    in_session(settings, lambda session: _fill(session, world))
    if passwords:
        people = [getattr(world, name) for name in ReportWorld.__dataclass_fields__ if name not in ("a", "b")]
        in_session(
            settings,
            lambda session: session.execute(
                update(User).where(User.id.in_(people)).values(password_hash=_password_hash())
            ),
        )
    return world


async def _fill(session: AsyncSession, world: ReportWorld) -> None:
    staff = world.coordinator_ab
    a, b = world.a, world.b

    def child(given: str, family: str, born: date, neighbourhood: str | None) -> Child:
        row = Child(
            given_name=given,
            family_name=family,
            date_of_birth=born,
            postcode="1325 AB",
            neighbourhood=neighbourhood,
            match_key=match_key(given, family),
        )
        session.add(row)
        return row

    async def referral(
        kid: Child, source: str, submitted: datetime, status: str, locations: tuple[UUID, ...], waiting: date | None
    ) -> Referral:
        await session.flush()
        row = Referral(
            child_id=kid.id,
            submitted_by_id=world.referrer,
            source=source,
            reason="Wil graag vriendjes maken.",
            guardian_informed=True,
            guardian_name="Ouder",
            guardian_phone="+31612345678",
            requested_weekdays=["mon", "tue"],
            status=status,
            submitted_at=submitted,
            status_changed_at=submitted,
            referrer_visible_change_at=submitted,
            waiting_since=waiting,
        )
        row.locations = [ReferralLocation(location_id=loc, rank=i + 1) for i, loc in enumerate(locations)]
        session.add(row)
        await session.flush()
        return row

    async def intake(ref: Referral, held_on: date, goals: list[tuple[str | None, str, date | None]]) -> None:
        row = Intake(
            referral_id=ref.id,
            held_on=held_on,
            held_by_id=staff,
            urgency="normal",
            requested_weekdays=["mon", "tue"],
            minimum_days=1,
            consent_data_processing=True,
        )
        session.add(row)
        await session.flush()
        for position, (dimension, status, closed_on) in enumerate(goals):
            session.add(
                Goal(
                    intake_id=row.id,
                    referral_id=ref.id,
                    description="Een doel",
                    dimension=dimension,
                    status=status,
                    closed_on=closed_on,
                    set_on=held_on,
                    position=position,
                )
            )

    async def placement(
        ref: Referral,
        location: UUID,
        weekdays: list[str],
        start: date,
        end: date | None = None,
        reason: str | None = None,
    ) -> Placement:
        row = Placement(
            referral_id=ref.id,
            location_id=location,
            weekdays=weekdays,
            start_date=start,
            end_date=end,
            end_reason_code=reason,
            placed_by_id=staff,
        )
        session.add(row)
        await session.flush()
        return row

    def attended(seat: Placement, *days: tuple[date, str]) -> None:
        for day, status in days:
            session.add(
                Attendance(
                    placement_id=seat.id,
                    referral_id=seat.referral_id,
                    location_id=seat.location_id,
                    day=day,
                    status=status,
                    recorded_by_id=staff,
                )
            )

    noor = child("Noor", "Bakker", BIRTHDAYS[0], "Stedenwijk")
    r1 = await referral(noor, "school", _utc(2023, 11, 10, 9), "closed", (a,), date(2023, 12, 1))
    await intake(
        r1, date(2023, 12, 1), [("meedoen", "reached", date(2024, 3, 15)), ("mentaal_welbevinden", "active", None)]
    )
    p1 = await placement(r1, a, ["mon", "thu"], date(2024, 1, 8), date(2024, 6, 30), "goals_reached")
    attended(
        p1,
        (date(2024, 1, 8), "present"),
        (date(2024, 1, 11), "present"),
        (date(2024, 2, 29), "present"),
        (date(2024, 2, 26), "absent_excused"),
        (date(2024, 3, 4), "absent_unexcused"),
    )

    daan = child("Daan", "Yilmaz", BIRTHDAYS[1], "Kruidenwijk")
    r2 = await referral(daan, "ggd", _utc(2024, 2, 29, 22, 30), "placed", (a, b), date(2024, 3, 5))
    await intake(r2, date(2024, 3, 5), [("meedoen", "reached", date(2024, 12, 20))])
    p2 = await placement(r2, b, ["wed"], date(2024, 4, 3))
    attended(p2, (date(2024, 4, 3), "present"), (date(2024, 4, 10), "absent_excused"))

    sara = child("Sara", "Jansen", BIRTHDAYS[2], "Stedenwijk")
    r3a = await referral(sara, "school", _utc(2023, 5, 1, 10), "closed", (a,), date(2023, 6, 1))
    await intake(r3a, date(2023, 6, 1), [])
    p3a = await placement(r3a, a, ["tue"], date(2023, 9, 5), date(2024, 1, 31), "guardian_stopped")
    attended(p3a, (date(2024, 1, 9), "present"), (date(2024, 1, 16), "present"))
    r3b = await referral(sara, "guardian", _utc(2024, 3, 31, 21, 30), "placed", (a,), date(2024, 4, 10))
    await intake(r3b, date(2024, 4, 10), [(None, "active", None)])
    p3b = await placement(r3b, a, ["tue"], date(2024, 5, 7))
    attended(p3b, (date(2024, 5, 7), "present"), (date(2024, 5, 14), "present"))

    milan = child("Milan", "El Amrani", BIRTHDAYS[3], None)
    r4 = await referral(milan, "police", _utc(2023, 12, 31, 23, 15), "waitlisted", (a,), date(2024, 1, 10))
    await intake(r4, date(2024, 1, 10), [("dagelijks_functioneren", "active", None)])

    fenna = child("Fenna", "Bakker", BIRTHDAYS[4], "Muziekwijk")
    await referral(fenna, "school", _utc(2024, 6, 15, 12), "submitted", (b,), None)

    ibrahim = child("Ibrahim", "Jansen", BIRTHDAYS[5], "Stedenwijk")
    r6 = await referral(ibrahim, "school", _utc(2022, 9, 1, 8), "placed", (a,), date(2023, 5, 1))
    await intake(r6, date(2023, 5, 1), [])
    p6 = await placement(r6, a, ["mon"], date(2023, 6, 5))
    attended(p6, (date(2024, 12, 30), "present"))


# The summary of 2024 for all locations, worked out by hand from the story above.
KNOWN_2024: dict[str, Any] = {
    "referrals_received": 4,
    "referrals_by_source": {"ggd": 1, "guardian": 1, "police": 1, "school": 1},
    "children_reached": 4,
    "placements_started": 3,
    "placements_ended": 2,
    "waiting_days": {"median": 29.0, "p90": 36.2},
    "attendance_rate": 0.75,
    "goals": {"set": 3, "reached": 2},
    "discharges_by_reason": {"goals_reached": 1, "guardian_stopped": 1},
    "waitlist_now": 1,
}


CROWD_SOURCES = ("school", "school", "school", "guardian", "guardian", "ggd", "social_team")
CROWD_HOODS = ("Stedenwijk", "Tussen de Vaarten", "Verzetswijk")
CROWD_DIMENSIONS = ("meedoen", "mentaal_welbevinden", "dagelijks_functioneren")
CROWD_REASONS = ("goals_reached", "goals_reached", "moved_to_bso", "guardian_stopped")


def add_crowd(settings: Settings, world: ReportWorld, year: int = 2024, children: int = 60) -> None:
    """Many children at A in ``year`` (and a third as many a year earlier), so that most figures reach 5 and
    show: referrals from every month, placements, attendance, goals and endings. Names "Kind 1 Menigte"..."""
    in_session(settings, lambda session: _crowd(session, world, year, children))


async def _crowd(session: AsyncSession, world: ReportWorld, year: int, children: int) -> None:
    from datetime import timedelta

    staff = world.coordinator_ab
    for number in range(children + children // 3):
        when = year if number < children else year - 1
        month = number % 12 + 1
        kid = Child(
            given_name=f"Kind{number}",
            family_name="Menigte",
            date_of_birth=date(2015, 1, 1) + timedelta(days=number * 7),
            postcode="1325 AB",
            neighbourhood=CROWD_HOODS[number % 3],
            match_key=f"kind{number} menigte",
        )
        session.add(kid)
        await session.flush()
        submitted = datetime(when, month, 3 + number % 20, 10, tzinfo=UTC)
        waiting = submitted.date() + timedelta(days=7)
        ref = Referral(
            child_id=kid.id,
            submitted_by_id=world.referrer,
            source=CROWD_SOURCES[number % len(CROWD_SOURCES)],
            reason="Wil graag vriendjes maken.",
            guardian_informed=True,
            guardian_name="Ouder",
            guardian_phone="+31612345678",
            status="placed",
            submitted_at=submitted,
            status_changed_at=submitted,
            referrer_visible_change_at=submitted,
            waiting_since=waiting,
        )
        ref.locations = [ReferralLocation(location_id=world.a)]
        session.add(ref)
        await session.flush()
        intake = Intake(
            referral_id=ref.id,
            held_on=waiting,
            held_by_id=staff,
            urgency="normal",
            minimum_days=1,
            consent_data_processing=True,
        )
        session.add(intake)
        await session.flush()
        reached = number % 3 != 0
        session.add(
            Goal(
                intake_id=intake.id,
                referral_id=ref.id,
                description="Een doel",
                dimension=CROWD_DIMENSIONS[number % 3],
                status="reached" if reached else "active",
                closed_on=waiting + timedelta(days=60) if reached else None,
                set_on=waiting,
            )
        )
        start = waiting + timedelta(days=14 + number % 20)
        ends = number % 4 == 0
        seat = Placement(
            referral_id=ref.id,
            location_id=world.a,
            weekdays=["mon", "thu"],
            start_date=start,
            end_date=start + timedelta(days=90) if ends else None,
            end_reason_code=CROWD_REASONS[number % len(CROWD_REASONS)] if ends else None,
            placed_by_id=staff,
        )
        session.add(seat)
        await session.flush()
        first_monday = start + timedelta(days=(7 - start.weekday()) % 7)
        for week in range(6):
            session.add(
                Attendance(
                    placement_id=seat.id,
                    referral_id=ref.id,
                    location_id=world.a,
                    day=first_monday + timedelta(days=7 * week),
                    status="present" if (number + week) % 5 else "absent_excused",
                    recorded_by_id=staff,
                )
            )
