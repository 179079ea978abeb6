"""The figures for the municipality, each computed in the database in a few aggregate queries.

Rows never come to Python: every query answers with counts per category (a source, a month, a weekday), at
most a few hundred small rows. What each figure means is written once, in ``DEFINITIONS``: the help page
(/rapportage/uitleg) and every export show these same texts.

Dates: a period is whole days in Europe/Amsterdam. Timestamps (a referral's submission) are compared with the
UTC moments at which those days begin, so an index on the timestamp is used and a referral sent at 23:30 on
31 March counts in March. Months of a trend are found with a CASE over the month boundaries (worked out in
Python with the time zone), which SQLite and PostgreSQL read alike.

Percentiles: PostgreSQL computes them with ``percentile_cont``. SQLite has no percentile function, so there the
database returns a histogram (waiting days → how many placements), at most a few hundred rows however many
placements there are, and ``rules.percentile_cont`` interpolates exactly as PostgreSQL does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Date,
    Integer,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from huiskamer.attendance.models import Attendance
from huiskamer.intake.models import DIMENSIONS, Goal, Intake
from huiskamer.locations.models import ClosureDay, LocationCapacity
from huiskamer.placements import rules as placement_rules
from huiskamer.placements.models import Placement
from huiskamer.referrals.models import Child, Referral, ReferralLocation
from huiskamer.referrals.rules import Status
from huiskamer.reports import rules
from huiskamer.reports.models import ATTENDANCE_MONTHS
from huiskamer.reports.rules import Period
from huiskamer.validation import WEEKDAYS

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

SOURCES = ("school", "ggd", "youth_mental_health", "police", "social_team", "guardian", "gp", "youth_care", "other")
DISCHARGE_REASONS = (
    "goals_reached",
    "moved_to_bso",
    "referred_to_youth_care",
    "moved_house",
    "aged_out",
    "guardian_stopped",
    "no_contact",
    "other",
)


@dataclass(frozen=True)
class Definition:
    name: str
    text: str


DEFINITIONS: dict[str, Definition] = {
    "referrals_received": Definition(
        "Aanmeldingen ontvangen",
        "Aanmeldingen die in de periode zijn ingediend (datum en tijd in Nederland) voor een van de gekozen "
        "locaties, naar de bron (wie aanmeldde) en naar de wijk waar het kind woont. Een aanmelding voor twee "
        "locaties telt bij elk van die locaties, en één keer bij 'alle locaties'.",
    ),
    "children_reached": Definition(
        "Kinderen bereikt",
        "Verschillende kinderen die in de periode minstens één dag aanwezig waren op een van de gekozen "
        "locaties. Een kind dat twee keer is geplaatst of op twee locaties komt, telt één keer.",
    ),
    "placements": Definition(
        "Plaatsingen gestart en beëindigd",
        "Plaatsingen waarvan de startdatum, of de einddatum, in de periode ligt. Een kind dat twee keer is "
        "geplaatst, telt twee keer. Een plaatsing die voor de periode begon en erna eindigt, telt bij geen "
        "van beide, maar wel bij de bezetting.",
    ),
    "waiting_days": Definition(
        "Wachttijd",
        "Het aantal dagen van de dag dat het kind op de wachtlijst kwam (de dag van het intakegesprek; die blijft "
        "staan als een gezin een aanbod afslaat) tot de eerste dag van de plaatsing, over de plaatsingen die in "
        "de periode begonnen. De mediaan is de middelste wachttijd: de helft wachtte korter. Het 90e percentiel: "
        "9 van de 10 kinderen wachtten korter. Tussen twee waarden in wordt lineair geïnterpoleerd.",
    ),
    "waitlist_now": Definition(
        "Wachtlijst vandaag",
        "Kinderen die vandaag op de wachtlijst staan (status 'wachtlijst'), zoals de wachtlijst van de locatie "
        "hen toont. Een kind dat op de wachtlijst van twee locaties staat, telt bij elk van die locaties en één "
        "keer in het totaal. Dit getal hangt niet af van de gekozen periode.",
    ),
    "occupancy": Definition(
        "Bezetting per weekdag",
        "Geplaatste kinderen gedeeld door de plaatsen, per weekdag, over de openingsdagen in de periode: voor "
        "elke maandag (enzovoort) waarop een locatie open was, telt het aantal kinderen dat die dag geplaatst "
        "was en het aantal plaatsen van die dag. Sluitingsdagen tellen niet mee. De capaciteit is die zoals "
        "nu ingesteld.",
    ),
    "attendance_rate": Definition(
        "Opkomst",
        "Aanwezig gedeeld door (aanwezig + afwezig, met of zonder bericht), over de dagen in de periode "
        "waarop een kind verwacht werd en er iets is vastgelegd op de presentielijst. Een dag waarop niets is "
        "vastgelegd, telt niet mee.",
    ),
    "goals": Definition(
        "Doelen gesteld en behaald",
        "Leerdoelen die in de periode zijn gesteld (bij het intakegesprek), en doelen die in de periode bij een "
        "evaluatie als behaald zijn afgesloten, naar dimensie van Positieve Gezondheid. Een doel hoort bij de "
        "locaties van de aanmelding.",
    ),
    "discharges": Definition(
        "Uitstroom",
        "Plaatsingen die in de periode zijn beëindigd, naar de reden van afsluiten: waar gaan de kinderen naartoe.",
    ),
    "year_earlier": Definition(
        "Een jaar eerder",
        "Dezelfde periode een jaar eerder. Een hele maand blijft een hele maand: februari 2025 wordt vergeleken "
        "met februari 2024, met 29 februari.",
    ),
    "suppression": Definition(
        "Kleine aantallen",
        f"Wat de organisatie verlaat (de export, de afdruk en de pdf) bevat alleen totalen: geen namen en geen "
        f"geboortedata. Een aantal van minder dan {rules.THRESHOLD} kinderen staat er als '{rules.LESS_THAN}' (ook "
        f"een 0). Waar een totaal min de andere getallen een verborgen aantal zou verraden, is ook een groter "
        f"getal weggelaten, als '{rules.HIDDEN}'. Een percentage, wachttijd of bezetting over minder dan "
        f"{rules.THRESHOLD} kinderen wordt niet getoond.",
    ),
}


# --- scope and time ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The locations a report is about; ``None``: every location of the organisation (the beheerder's view)."""

    location_ids: tuple[UUID, ...] | None


def _at_location(column: Any, scope: Scope) -> ColumnElement[bool]:
    if scope.location_ids is None:
        return literal(True)
    return column.in_(scope.location_ids)


def _referral_in_scope(column: Any, scope: Scope) -> ColumnElement[bool]:
    """A referral belongs to the locations it is for (as in the coordinator's inbox)."""
    if scope.location_ids is None:
        return literal(True)
    return column.in_(select(ReferralLocation.referral_id).where(ReferralLocation.location_id.in_(scope.location_ids)))


def day_start_utc(day: date) -> datetime:
    """The moment a day begins in Europe/Amsterdam, in UTC."""
    return datetime.combine(day, time(0), AMSTERDAM).astimezone(UTC)


def _submitted_in(period: Period) -> ColumnElement[bool]:
    return and_(
        Referral.submitted_at >= day_start_utc(period.start),
        Referral.submitted_at < day_start_utc(period.end + timedelta(days=1)),
    )


def _month_of(column: Any, months: Sequence[Period], *, timestamp: bool = False) -> ColumnElement[int]:
    """The index of the month (of ``months``) a date or timestamp falls in; rows are filtered to the period."""
    if len(months) == 1:
        return literal(0)
    whens = [
        (column < (day_start_utc(month.start) if timestamp else month.start), index - 1)
        for index, month in enumerate(months)
        if index > 0
    ]
    return case(*whens, else_=len(months) - 1)


class _Dialect:
    """The few expressions that SQLite and PostgreSQL write differently."""

    def __init__(self, name: str) -> None:
        self.postgres = name == "postgresql"

    def day_number(self, column: Any) -> ColumnElement[int]:
        """Days since 1 January 1970."""
        if self.postgres:
            return type_coerce(column - cast(literal("1970-01-01"), Date), Integer)
        return cast(func.julianday(column) - 2440587.5, Integer)

    def weekday_code(self, column: Any) -> ColumnElement[str]:
        """'mon' … 'sun' for a date (constants written inline: no bound parameters in an expression that is
        also grouped on)."""
        if self.postgres:
            number = cast(func.extract("isodow", column), Integer)
            numbers = [index + 1 for index in range(7)]
        else:
            number = cast(func.strftime(literal_column("'%w'"), column), Integer)
            numbers = [(index + 1) % 7 for index in range(7)]
        # CASE n WHEN 1 THEN 'mon' …: the day's number worked out once, not once per WHEN.
        return case(
            *[(literal_column(str(n)), literal_column(f"'{code}'")) for n, code in zip(numbers, WEEKDAYS, strict=True)],
            value=number,
        )


def _dialect(db: AsyncSession) -> _Dialect:
    return _Dialect(db.get_bind().dialect.name)


def _has_weekday(code: Any) -> ColumnElement[bool]:
    """Whether a placement's weekdays (a JSON list of codes such as ["mon", "thu"]) hold ``code``.

    The list is read as text, which SQLite and PostgreSQL both keep as written; the codes are a closed set of
    quoted three-letter words, so matching '"mon"' is exact."""
    text = cast(Placement.weekdays, String)
    if isinstance(code, str):
        return text.like(f'%"{code}"%')
    return text.like(literal('%"').op("||")(code).op("||")(literal('"%')))


# --- the summary of one period -------------------------------------------------------------------


@dataclass(frozen=True)
class WaitingDays:
    count: int  # placements started with a known waitlist date
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class Occupancy:
    placed_days: int  # children placed, added up over the opening days of this weekday
    seat_days: int  # seats, added up over the same days
    opening_days: int  # days of this weekday in the period

    @property
    def rate(self) -> float | None:
        return rules.rate(self.placed_days, self.seat_days)

    @property
    def average_placed(self) -> float:
        return self.placed_days / self.opening_days if self.opening_days else 0.0


@dataclass(frozen=True)
class GoalCounts:
    set: int = 0
    reached: int = 0


@dataclass(frozen=True)
class Summary:
    period: Period
    scope: Scope
    referrals_by_source: dict[str, int]
    referrals_by_neighbourhood: dict[str | None, int]
    children_reached: int
    children_recorded: int  # children with any attendance recorded: the base of the attendance rate
    present: int
    absent: int
    placements_started: int
    placements_ended: int
    waiting_days: WaitingDays
    discharges_by_reason: dict[str, int]
    goals_by_dimension: dict[str | None, GoalCounts]
    occupancy: dict[str, Occupancy]
    waitlist_now: int
    waitlist_by_location: dict[UUID, int] = field(default_factory=dict)

    @property
    def referrals_received(self) -> int:
        return sum(self.referrals_by_source.values())

    @property
    def attendance_rate(self) -> float | None:
        return rules.rate(self.present, self.present + self.absent)

    @property
    def goals_set(self) -> int:
        return sum(counts.set for counts in self.goals_by_dimension.values())

    @property
    def goals_reached(self) -> int:
        return sum(counts.reached for counts in self.goals_by_dimension.values())


async def summary(db: AsyncSession, scope: Scope, period: Period, *, with_waitlist: bool = True) -> Summary:
    """Every figure of one period for the locations in scope (``with_waitlist``: also today's waitlist)."""
    sql = _dialect(db)
    by_source = await _referrals_by_source(db, scope, period)
    by_neighbourhood = await _referrals_by_neighbourhood(db, scope, period)
    reached, recorded, present, absent = await _attendance(db, scope, period)
    started, waiting = await _placements_started(db, sql, scope, period)
    discharges = await _discharges(db, scope, period)
    goals = await _goals(db, scope, period)
    occupancy = await _occupancy(db, sql, scope, period)
    waitlist_now, waitlist_by_location = await waitlist_today(db, scope) if with_waitlist else (0, {})
    return Summary(
        period=period,
        scope=scope,
        referrals_by_source=by_source,
        referrals_by_neighbourhood=by_neighbourhood,
        children_reached=reached,
        children_recorded=recorded,
        present=present,
        absent=absent,
        placements_started=started,
        placements_ended=sum(discharges.values()),
        waiting_days=waiting,
        discharges_by_reason=discharges,
        goals_by_dimension=goals,
        occupancy=occupancy,
        waitlist_now=waitlist_now,
        waitlist_by_location=waitlist_by_location,
    )


async def _referrals_by_source(db: AsyncSession, scope: Scope, period: Period) -> dict[str, int]:
    rows = await db.execute(
        select(Referral.source, func.count())
        .where(_submitted_in(period), _referral_in_scope(Referral.id, scope))
        .group_by(Referral.source)
    )
    found = dict.fromkeys(SOURCES, 0)
    for source, count in rows.all():
        found[source] = found.get(source, 0) + count
    return found


async def _referrals_by_neighbourhood(db: AsyncSession, scope: Scope, period: Period) -> dict[str | None, int]:
    rows = await db.execute(
        select(Child.neighbourhood, func.count())
        .select_from(Referral)
        .join(Child, Child.id == Referral.child_id)
        .where(_submitted_in(period), _referral_in_scope(Referral.id, scope))
        .group_by(Child.neighbourhood)
    )
    found = {neighbourhood: count for neighbourhood, count in rows.all()}
    return dict(sorted(found.items(), key=lambda item: (item[0] is None, (item[0] or "").lower())))


def _attendance_units(scope: Scope, period: Period, months: Sequence[Period] | None = None) -> Any:
    """Per referral (and month of ``months``): days present and days absent. The whole months of the period come
    from the monthly totals the database keeps (``ATTENDANCE_MONTHS``), the days left at its ends from the day
    records, so a year of all locations reads a few hundred thousand rows instead of millions."""
    whole, edges = period.whole_months()
    parts = []
    if whole is not None:
        totals = ATTENDANCE_MONTHS.c
        where = (totals.month.between(whole.start, whole.end), _at_location(totals.location_id, scope))
        if months is None:
            # Summed per referral before the join with referrals: the join then meets a ninth of the rows.
            parts.append(
                select(
                    totals.referral_id,
                    func.sum(totals.present).label("present"),
                    func.sum(totals.absent).label("absent"),
                )
                .where(*where)
                .group_by(totals.referral_id)
            )
        else:  # per month a referral has a row per location: summing first would gain little
            month = _month_of(totals.month, months).label("month")
            parts.append(select(month, totals.referral_id, totals.present, totals.absent).where(*where))
    is_present = Attendance.status == "present"
    for edge in edges:
        month = [] if months is None else [_month_of(Attendance.day, months).label("month")]
        parts.append(
            select(
                *month,
                Attendance.referral_id,
                func.count().filter(is_present).label("present"),
                func.count().filter(~is_present).label("absent"),
            )
            .where(Attendance.day.between(edge.start, edge.end), _at_location(Attendance.location_id, scope))
            .group_by(*month, Attendance.referral_id)
        )
    return (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("units")


def _attendance_per_child(scope: Scope, period: Period, months: Sequence[Period] | None = None) -> Any:
    """Per child (and month): days present and days absent, so a child placed twice counts once."""
    units = _attendance_units(scope, period, months)
    month = [] if months is None else [units.c.month]
    return (
        select(
            *month,
            func.sum(units.c.present).label("present"),
            func.sum(units.c.absent).label("absent"),
        )
        .join(Referral, Referral.id == units.c.referral_id)
        .group_by(*month, Referral.child_id)
        .subquery("per_child")
    )


def _children_counts(per_child: Any) -> list[Any]:
    """Children reached (a day present), children recorded (any day recorded), days present, days absent."""
    return [
        func.count().filter(per_child.c.present > 0),
        func.count().filter(per_child.c.present + per_child.c.absent > 0),
        func.coalesce(func.sum(per_child.c.present), 0),
        func.coalesce(func.sum(per_child.c.absent), 0),
    ]


async def _attendance(db: AsyncSession, scope: Scope, period: Period) -> tuple[int, int, int, int]:
    row = (await db.execute(select(*_children_counts(_attendance_per_child(scope, period))))).one()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


def _waiting_days_expression(sql: _Dialect) -> ColumnElement[int]:
    # The intake's date only where the waitlist date is missing (COALESCE stops at the first value).
    held_on = select(Intake.held_on).where(Intake.referral_id == Placement.referral_id).scalar_subquery()
    waiting_since = func.coalesce(Referral.waiting_since, held_on)
    days = sql.day_number(Placement.start_date) - sql.day_number(waiting_since)
    return case((days < 0, 0), else_=days)


async def _placements_started(db: AsyncSession, sql: _Dialect, scope: Scope, period: Period) -> tuple[int, WaitingDays]:
    # The waiting days of each placement worked out once, in a subquery, and then counted and ranked.
    rows = (
        select(_waiting_days_expression(sql).label("days"))
        .select_from(Placement)
        .join(Referral, Referral.id == Placement.referral_id)
        .where(Placement.start_date.between(period.start, period.end), _at_location(Placement.location_id, scope))
        .subquery("started")
    )
    if sql.postgres:
        row = (
            await db.execute(
                select(
                    func.count(),
                    func.count(rows.c.days),
                    func.percentile_cont(0.5).within_group(rows.c.days),
                    func.percentile_cont(0.9).within_group(rows.c.days),
                )
            )
        ).one()
        median = None if row[2] is None else float(row[2])
        p90 = None if row[3] is None else float(row[3])
        return int(row[0]), WaitingDays(int(row[1]), median, p90)
    histogram = (await db.execute(select(rows.c.days, func.count()).group_by(rows.c.days))).all()
    started = sum(count for _, count in histogram)
    known = [(value, count) for value, count in histogram if value is not None]
    return started, WaitingDays(
        sum(count for _, count in known), rules.percentile_cont(known, 0.5), rules.percentile_cont(known, 0.9)
    )


async def _discharges(db: AsyncSession, scope: Scope, period: Period) -> dict[str, int]:
    rows = await db.execute(
        select(Placement.end_reason_code, func.count())
        .where(Placement.end_date.between(period.start, period.end), _at_location(Placement.location_id, scope))
        .group_by(Placement.end_reason_code)
    )
    found = dict.fromkeys(DISCHARGE_REASONS, 0)
    for reason, count in rows.all():
        key = reason if reason in found else "other"
        found[key] += count
    return found


async def _goals(db: AsyncSession, scope: Scope, period: Period) -> dict[str | None, GoalCounts]:
    set_in = Goal.set_on.between(period.start, period.end)
    reached_in = and_(Goal.status == "reached", Goal.closed_on.between(period.start, period.end))
    rows = await db.execute(
        select(Goal.dimension, func.count().filter(set_in), func.count().filter(reached_in))
        .where(or_(set_in, reached_in), _referral_in_scope(Goal.referral_id, scope))
        .group_by(Goal.dimension)
    )
    found: dict[str | None, GoalCounts] = {dimension: GoalCounts() for dimension in DIMENSIONS}
    for dimension, set_count, reached_count in rows.all():
        key = dimension if dimension in DIMENSIONS else None
        before = found.get(key, GoalCounts())
        found[key] = GoalCounts(before.set + set_count, before.reached + reached_count)
    return found


async def _occupancy(db: AsyncSession, sql: _Dialect, scope: Scope, period: Period) -> dict[str, Occupancy]:
    """Seat-days used and offered per weekday over the opening days: every placement's days of that weekday
    within the period, less the closed days it covers; every location's seats valid on each day of that
    weekday, less its closed days."""
    steps: dict[Any, dict[str, list[tuple[date, int]]]] = defaultdict(lambda: defaultdict(list))
    for location_id, weekday, seats, valid_from in (
        await db.execute(
            select(
                LocationCapacity.location_id,
                LocationCapacity.weekday,
                LocationCapacity.seats,
                LocationCapacity.valid_from,
            )
            .where(_at_location(LocationCapacity.location_id, scope), LocationCapacity.valid_from <= period.end)
            .order_by(LocationCapacity.valid_from)
        )
    ).all():
        steps[location_id][weekday].append((valid_from, seats))
    closure_rows = (
        await db.execute(
            select(ClosureDay.location_id, ClosureDay.day, ClosureDay.last_day).where(
                ClosureDay.day <= period.end,
                ClosureDay.last_day >= period.start,
                _at_location(ClosureDay.location_id, scope),
            )
        )
    ).all()
    seat_days = dict.fromkeys(WEEKDAYS, 0)
    for by_weekday in steps.values():
        for index, weekday in enumerate(WEEKDAYS):
            runs = by_weekday.get(weekday, [])
            for number, (valid_from, seats) in enumerate(runs):
                start = max(valid_from, period.start)
                end = min(runs[number + 1][0] - timedelta(days=1), period.end) if number + 1 < len(runs) else period.end
                if seats and start <= end:
                    seat_days[weekday] += seats * rules.weekday_count(Period(start, end), index)
    closed = {
        (location_id, first + timedelta(days=n))
        for location_id, first, last in closure_rows
        for n in range((last - first).days + 1)
        if period.start <= first + timedelta(days=n) <= period.end
    }
    for location_id, day in closed:
        weekday = WEEKDAYS[day.weekday()]
        seat_days[weekday] -= placement_rules.seats_on(steps.get(location_id, {}).get(weekday, ()), day)
    placed = await _placed_days(db, sql, scope, period)
    closed_placed = await _closed_placed_days(db, sql, scope, period)
    return {
        weekday: Occupancy(
            placed_days=placed[weekday] - closed_placed[weekday],
            seat_days=seat_days[weekday],
            opening_days=rules.weekday_count(period, index),
        )
        for index, weekday in enumerate(WEEKDAYS)
    }


def _weekday_days(sql: _Dialect, first: Any, last: Any) -> list[Any]:
    """Per weekday, the number of days of that weekday from ``first`` to ``last`` (date expressions)."""
    first_number, last_number = sql.day_number(first), sql.day_number(last)
    counts = []
    for index in range(7):
        # Day n (counted from 1 January 1970, a Thursday) is this weekday when n ≡ index − 3 (mod 7); the count
        # of such n from a to b is ⌊(b − r)/7⌋ − ⌊(a − 1 − r)/7⌋, kept positive by a few thousand weeks.
        offset = 7 * 10_000 - (index - 3) % 7
        counts.append((last_number + offset) // 7 - (first_number - 1 + offset) // 7)
    return counts


async def _closed_placed_days(db: AsyncSession, sql: _Dialect, scope: Scope, period: Period) -> dict[str, int]:
    """Per weekday, the days of that weekday on which a placement runs while its location is closed, within the
    period (closures of one location do not overlap)."""

    def later(*values: Any) -> Any:
        result = values[0]
        for value in values[1:]:
            result = case((value > result, value), else_=result)
        return result

    def earlier(*values: Any) -> Any:
        result = values[0]
        for value in values[1:]:
            result = case((value < result, value), else_=result)
        return result

    first = later(Placement.start_date, ClosureDay.day, literal(period.start, Date))
    ends = case((Placement.end_date.is_(None), literal(period.end, Date)), else_=Placement.end_date)
    last = earlier(ends, ClosureDay.last_day, literal(period.end, Date))
    counts = _weekday_days(sql, first, last)
    columns = [
        func.coalesce(func.sum(case((_has_weekday(weekday), counts[index]), else_=0)), 0)
        for index, weekday in enumerate(WEEKDAYS)
    ]
    row = (
        await db.execute(
            select(*columns)
            .select_from(Placement)
            .join(
                ClosureDay,
                and_(
                    ClosureDay.location_id == Placement.location_id,
                    Placement.start_date <= ClosureDay.last_day,
                    or_(Placement.end_date.is_(None), Placement.end_date >= ClosureDay.day),
                ),
            )
            .where(
                _overlaps(period),
                ClosureDay.day <= period.end,
                ClosureDay.last_day >= period.start,
                _at_location(Placement.location_id, scope),
            )
        )
    ).one()
    return {weekday: int(row[index]) for index, weekday in enumerate(WEEKDAYS)}


async def _placed_days(db: AsyncSession, sql: _Dialect, scope: Scope, period: Period) -> dict[str, int]:
    """Per weekday, the days of that weekday that placements cover within the period (in one query)."""
    first = case((Placement.start_date < period.start, period.start), else_=Placement.start_date)
    last = case(
        (or_(Placement.end_date.is_(None), Placement.end_date > period.end), period.end), else_=Placement.end_date
    )
    first_number, last_number = sql.day_number(first), sql.day_number(last)
    columns = []
    for index, weekday in enumerate(WEEKDAYS):
        # Day n (counted from 1 January 1970, a Thursday) is this weekday when n ≡ index − 3 (mod 7); the count
        # of such n from a to b is ⌊(b − r)/7⌋ − ⌊(a − 1 − r)/7⌋, kept positive by a few thousand weeks.
        offset = 7 * 10_000 - (index - 3) % 7
        count = (last_number + offset) // 7 - (first_number - 1 + offset) // 7
        columns.append(func.coalesce(func.sum(case((_has_weekday(weekday), count), else_=0)), 0))
    row = (
        await db.execute(select(*columns).where(_overlaps(period), _at_location(Placement.location_id, scope)))
    ).one()
    return {weekday: int(row[index]) for index, weekday in enumerate(WEEKDAYS)}


def _overlaps(period: Period) -> ColumnElement[bool]:
    """A placement that runs on at least one day of the period."""
    return and_(
        Placement.start_date <= period.end, or_(Placement.end_date.is_(None), Placement.end_date >= period.start)
    )


async def waitlist_today(db: AsyncSession, scope: Scope) -> tuple[int, dict[UUID, int]]:
    waiting = Referral.status == Status.WAITLISTED.value
    total = await db.scalar(select(func.count()).where(waiting, _referral_in_scope(Referral.id, scope)))
    rows = await db.execute(
        select(ReferralLocation.location_id, func.count())
        .join(Referral, Referral.id == ReferralLocation.referral_id)
        .where(waiting, _at_location(ReferralLocation.location_id, scope))
        .group_by(ReferralLocation.location_id)
    )
    return int(total or 0), {location_id: count for location_id, count in rows.all()}


# --- trends per month ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthFigures:
    month: Period
    referrals: int = 0
    children_reached: int = 0
    children_recorded: int = 0
    present: int = 0
    absent: int = 0
    placements_started: int = 0
    placements_ended: int = 0
    goals_set: int = 0
    goals_reached: int = 0

    @property
    def attendance_rate(self) -> float | None:
        return rules.rate(self.present, self.present + self.absent)


async def trends(db: AsyncSession, scope: Scope, period: Period) -> list[MonthFigures]:
    """The figures per calendar month of the period (the first and last month cut to the period)."""
    months = period.months()
    found: list[dict[str, int]] = [{} for _ in months]

    async def count_per_month(name: str, bucket: ColumnElement[int], *where: ColumnElement[bool]) -> None:
        rows = select(bucket.label("month")).where(*where).subquery()
        for index, count in (await db.execute(select(rows.c.month, func.count()).group_by(rows.c.month))).all():
            found[int(index)][name] = int(count)

    await count_per_month(
        "referrals",
        _month_of(Referral.submitted_at, months, timestamp=True),
        _submitted_in(period),
        _referral_in_scope(Referral.id, scope),
    )
    for name, column in (("placements_started", Placement.start_date), ("placements_ended", Placement.end_date)):
        await count_per_month(
            name,
            _month_of(column, months),
            column.between(period.start, period.end),
            _at_location(Placement.location_id, scope),
        )
    goal_scope = _referral_in_scope(Goal.referral_id, scope)
    await count_per_month(
        "goals_set", _month_of(Goal.set_on, months), Goal.set_on.between(period.start, period.end), goal_scope
    )
    await count_per_month(
        "goals_reached",
        _month_of(Goal.closed_on, months),
        Goal.status == "reached",
        Goal.closed_on.between(period.start, period.end),
        goal_scope,
    )
    per_child = _attendance_per_child(scope, period, months)
    for index, reached, recorded, present, absent in (
        await db.execute(select(per_child.c.month, *_children_counts(per_child)).group_by(per_child.c.month))
    ).all():
        found[int(index)].update(
            children_reached=int(reached),
            children_recorded=int(recorded),
            present=int(present or 0),
            absent=int(absent or 0),
        )
    return [MonthFigures(month, **counts) for month, counts in zip(months, found, strict=True)]
