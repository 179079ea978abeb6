"""A property on random data in the database: the figures of a year equal the sums of the figures of its
months, where they add up (referrals, placements started and ended, goals set and reached, days present and
absent), on SQLite and PostgreSQL. The data put timestamps right around midnight at the turn of a month in
Amsterdam, in winter and summer time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.attendance.models import Attendance
from huiskamer.intake.models import Goal, Intake
from huiskamer.placements.models import Placement
from huiskamer.referrals.models import Child, Referral, ReferralLocation
from huiskamer.reports import figures
from huiskamer.reports.figures import Scope
from huiskamer.reports.rules import month, year
from tests.conftest import empty_database
from tests.factories import in_session, make_location, make_user

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
YEAR = 2024
days_around = st.dates(date(YEAR - 1, 12, 1), date(YEAR + 1, 1, 31))


@st.composite
def moments(draw: st.DrawFn) -> datetime:
    """Near midnight on the first or last day of a month, or anywhere."""
    day = draw(days_around)
    if draw(st.booleans()):
        day = draw(st.sampled_from([day.replace(day=1), (day.replace(day=28) + timedelta(days=4)).replace(day=1)]))
    minutes = draw(st.sampled_from([0, 1, 59, 60, 61, 119, 120, 23 * 60 + 59, 22 * 60 + 30]) | st.integers(0, 1439))
    local = datetime.combine(day, time(0), AMSTERDAM) + timedelta(minutes=minutes)
    return local.astimezone(UTC)


@st.composite
def data_sets(draw: st.DrawFn) -> dict:
    referrals = draw(st.lists(st.tuples(moments(), st.sampled_from(["school", "ggd", "police"])), max_size=8))
    placements = []
    for _ in range(draw(st.integers(0, 5))):
        start = draw(days_around)
        end = draw(st.none() | st.dates(start, start + timedelta(days=200)))
        placements.append((start, end, draw(st.lists(days_around, max_size=6, unique=True))))
    goals = []
    for _ in range(draw(st.integers(0, 6))):
        set_on = draw(days_around)
        closed = draw(st.none() | st.dates(set_on, set_on + timedelta(days=300)))
        goals.append((set_on, closed, draw(st.sampled_from(["reached", "stopped"]))))
    return {"referrals": referrals, "placements": placements, "goals": goals}


async def _store(session: AsyncSession, data: dict, location, user) -> None:
    kid = Child(given_name="K", family_name="K", date_of_birth=date(2016, 1, 1), postcode="1325 AB", match_key="k k")
    session.add(kid)
    await session.flush()

    async def referral(at: datetime, source: str = "school") -> Referral:
        row = Referral(
            child_id=kid.id,
            submitted_by_id=user,
            source=source,
            reason="-",
            guardian_informed=True,
            guardian_name="-",
            guardian_phone="+31612345678",
            status="placed",
            submitted_at=at,
            status_changed_at=at,
            referrer_visible_change_at=at,
            waiting_since=date(YEAR - 1, 6, 1),
        )
        row.locations = [ReferralLocation(location_id=location)]
        session.add(row)
        await session.flush()
        return row

    for at, source in data["referrals"]:
        await referral(at, source)
    holder = await referral(datetime(2020, 1, 1, tzinfo=UTC))
    intake = Intake(
        referral_id=holder.id,
        held_on=date(2020, 1, 1),
        held_by_id=user,
        urgency="normal",
        minimum_days=1,
        consent_data_processing=True,
    )
    session.add(intake)
    await session.flush()
    for set_on, closed, status in data["goals"]:
        session.add(
            Goal(
                intake_id=intake.id,
                referral_id=holder.id,
                description="-",
                dimension="meedoen",
                set_on=set_on,
                closed_on=closed,
                status=status if closed else "active",
            )
        )
    for start, end, attended in data["placements"]:
        seat = Placement(
            referral_id=holder.id,
            location_id=location,
            weekdays=["mon", "wed"],
            start_date=start,
            end_date=end,
            end_reason_code="moved_house" if end else None,
            placed_by_id=user,
        )
        session.add(seat)
        await session.flush()
        for index, day in enumerate(attended):
            session.add(
                Attendance(
                    placement_id=seat.id,
                    referral_id=holder.id,
                    location_id=location,
                    day=day,
                    status="present" if index % 3 else "absent_excused",
                    recorded_by_id=user,
                )
            )


ADDITIVE = (
    "referrals_received",
    "placements_started",
    "placements_ended",
    "goals_set",
    "goals_reached",
    "present",
    "absent",
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=data_sets())
def test_a_year_is_the_sum_of_its_months(test_settings, sync_engine, data):
    """For every additive figure: figure(year) = Σ figure(month), and the trend's months say the same."""
    empty_database(sync_engine)
    location = make_location(test_settings, "Huiskamer Som")
    user = make_user(test_settings, "coordinator", location_ids=(location,), password=None)
    in_session(test_settings, lambda session: _store(session, data, location, user))

    async def compute(session: AsyncSession):
        scope = Scope((location,))
        whole = await figures.summary(session, scope, year(YEAR), with_waitlist=False)
        parts = [await figures.summary(session, scope, month(YEAR, m), with_waitlist=False) for m in range(1, 13)]
        return whole, parts, await figures.trends(session, scope, year(YEAR))

    whole, parts, trend = in_session(test_settings, compute)
    for name in ADDITIVE:
        assert getattr(whole, name) == sum(getattr(part, name) for part in parts), name
    assert whole.referrals_received == sum(m.referrals for m in trend)
    assert [m.referrals for m in trend] == [p.referrals_received for p in parts]
    assert [m.placements_started for m in trend] == [p.placements_started for p in parts]
    assert [m.goals_reached for m in trend] == [p.goals_reached for p in parts]
    assert [m.present for m in trend] == [p.present for p in parts]
    # Occupancy adds up too: seat-days and placed days are counted day by day.
    for weekday in ("mon", "wed"):
        assert whole.occupancy[weekday].placed_days == sum(p.occupancy[weekday].placed_days for p in parts)
        assert whole.occupancy[weekday].seat_days == sum(p.occupancy[weekday].seat_days for p in parts)
    # Referrals by hand: the Dutch date of each submission decides.
    by_hand = sum(1 for at, _ in data["referrals"] if at.astimezone(AMSTERDAM).year == YEAR)
    assert whole.referrals_received == by_hand
