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
from functools import lru_cache
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BindParameter,
    Date,
    Executable,
    Integer,
    Row,
    Select,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
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


# --- scope, time and the statements' parameters --------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The locations a report is about; ``None``: every location of the organisation (the beheerder's view)."""

    location_ids: tuple[UUID, ...] | None

    @property
    def narrowed(self) -> bool:
        return self.location_ids is not None


# Every statement below is built once per shape (the dialect, a scope of some locations or all of them, how many
# months) and then only executed, with named parameters for what changes from view to view: the period's days,
# the scope's locations, the months' boundaries. Building them anew on every view took about half of a live
# report's time in the serving process (cProfile of /rapportage for this year). They are written in the tables'
# columns, not the ORM's attributes, so executing them also skips the ORM's layer: the answers are counts.
_ATTENDANCE, _CHILDREN, _CLOSURES = Attendance.__table__.c, Child.__table__.c, ClosureDay.__table__.c
_GOALS, _INTAKES, _SEATS = Goal.__table__.c, Intake.__table__.c, LocationCapacity.__table__.c
_PLACEMENTS, _REFERRALS, _REFERRAL_LOCATIONS = Placement.__table__.c, Referral.__table__.c, ReferralLocation.__table__.c
_MONTHLY = ATTENDANCE_MONTHS.c
_SHAPES = 512  # statements kept per builder: a few per period length in months, per dialect and kind of scope


def _day(name: str) -> BindParameter[date]:
    return bindparam(name, type_=Date)


FIRST, LAST = _day("first"), _day("last")  # the period's first and last day
FROM_UTC = bindparam("from_utc", type_=_REFERRALS.submitted_at.type)  # the moment its first day begins
UNTIL_UTC = bindparam("until_utc", type_=_REFERRALS.submitted_at.type)  # the moment after its last day
LOCATIONS = bindparam("locations", expanding=True, type_=_PLACEMENTS.location_id.type)


def day_start_utc(day: date) -> datetime:
    """The moment a day begins in Europe/Amsterdam, in UTC."""
    return datetime.combine(day, time(0), AMSTERDAM).astimezone(UTC)


def _parameters(scope: Scope, period: Period) -> dict[str, Any]:
    """The values of FIRST, LAST, FROM_UTC, UNTIL_UTC and LOCATIONS (a statement ignores those it lacks)."""
    return {
        "first": period.start,
        "last": period.end,
        "from_utc": day_start_utc(period.start),
        "until_utc": day_start_utc(period.end + timedelta(days=1)),
        "locations": list(scope.location_ids or ()),
    }


def _month_parameters(months: Sequence[Period]) -> dict[str, Any]:
    """The values of ``_month_of``'s boundaries: the first day of every month but the first."""
    found: dict[str, Any] = {}
    for index, month in enumerate(months[1:], start=1):
        found[f"month_{index}"] = month.start
        found[f"month_utc_{index}"] = day_start_utc(month.start)
    return found


def _pieces(period: Period) -> tuple[tuple[bool, int], dict[str, date]]:
    """The shape of ``Period.whole_months`` (whether it has whole months, how many days at its ends) and the values
    of the pieces' parameters, for ``_attendance_units``."""
    whole, edges = period.whole_months()
    found = {} if whole is None else {"whole_first": whole.start, "whole_last": whole.end}
    for index, edge in enumerate(edges):
        found |= {f"edge_{index}_first": edge.start, f"edge_{index}_last": edge.end}
    return (whole is not None, len(edges)), found


def _at_location(column: Any, narrowed: bool) -> ColumnElement[bool]:
    return column.in_(LOCATIONS) if narrowed else true()


def _referral_in_scope(column: Any, narrowed: bool) -> ColumnElement[bool]:
    """A referral belongs to the locations it is for (as in the coordinator's inbox)."""
    if not narrowed:
        return true()
    return column.in_(select(_REFERRAL_LOCATIONS.referral_id).where(_REFERRAL_LOCATIONS.location_id.in_(LOCATIONS)))


SUBMITTED_IN = and_(_REFERRALS.submitted_at >= FROM_UTC, _REFERRALS.submitted_at < UNTIL_UTC)


def _month_of(column: Any, months: int, *, timestamp: bool = False) -> ColumnElement[int]:
    """The index of the month (of ``months`` months, see ``_month_parameters``) a date or timestamp falls in; rows
    are filtered to the period."""
    if months == 1:
        return literal(0)

    def boundary(index: int) -> BindParameter[Any]:
        if timestamp:
            return bindparam(f"month_utc_{index}", type_=FROM_UTC.type)
        return _day(f"month_{index}")

    return case(*[(column < boundary(index), index - 1) for index in range(1, months)], else_=months - 1)


def _day_number(postgres: bool, column: Any) -> ColumnElement[int]:
    """Days since 1 January 1970 (SQLite and PostgreSQL write it differently)."""
    if postgres:
        return type_coerce(column - cast(literal_column("'1970-01-01'"), Date), Integer)
    return cast(func.julianday(column) - 2440587.5, Integer)


def _postgres(db: AsyncSession) -> bool:
    return db.get_bind().dialect.name == "postgresql"


async def _rows(db: AsyncSession, statement: Executable, parameters: dict[str, Any]) -> Sequence[Row[Any]]:
    return (await db.execute(statement, parameters)).all()


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
    postgres, narrowed, values = _postgres(db), scope.narrowed, _parameters(scope, period)
    by_source = await _referrals_by_source(db, narrowed, values)
    by_neighbourhood = await _referrals_by_neighbourhood(db, narrowed, values)
    reached, recorded, present, absent = await _attendance(db, narrowed, period, values)
    started, waiting = await _placements_started(db, postgres, narrowed, values)
    discharges = await _discharges(db, narrowed, values)
    goals = await _goals(db, narrowed, values)
    occupancy = await _occupancy(db, narrowed, period, values)
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


@lru_cache(maxsize=_SHAPES)
def _referrals_by_source_statement(narrowed: bool) -> Select[Any]:
    return (
        select(_REFERRALS.source, func.count())
        .where(SUBMITTED_IN, _referral_in_scope(_REFERRALS.id, narrowed))
        .group_by(_REFERRALS.source)
    )


async def _referrals_by_source(db: AsyncSession, narrowed: bool, values: dict[str, Any]) -> dict[str, int]:
    found = dict.fromkeys(SOURCES, 0)
    for source, count in await _rows(db, _referrals_by_source_statement(narrowed), values):
        found[source] = found.get(source, 0) + count
    return found


@lru_cache(maxsize=_SHAPES)
def _referrals_by_neighbourhood_statement(narrowed: bool) -> Select[Any]:
    return (
        select(_CHILDREN.neighbourhood, func.count())
        .select_from(Referral.__table__.join(Child.__table__, _CHILDREN.id == _REFERRALS.child_id))
        .where(SUBMITTED_IN, _referral_in_scope(_REFERRALS.id, narrowed))
        .group_by(_CHILDREN.neighbourhood)
    )


async def _referrals_by_neighbourhood(
    db: AsyncSession, narrowed: bool, values: dict[str, Any]
) -> dict[str | None, int]:
    found = dict(await _rows(db, _referrals_by_neighbourhood_statement(narrowed), values))
    return dict(sorted(found.items(), key=lambda item: (item[0] is None, (item[0] or "").lower())))


def _attendance_units(narrowed: bool, pieces: tuple[bool, int], months: int | None = None) -> Any:
    """Per referral (and month, of ``months`` months): days present and days absent. The whole months of the
    period come from the monthly totals the database keeps (``ATTENDANCE_MONTHS``), the days left at its ends from
    the day records, so a year of all locations reads a few hundred thousand rows instead of millions. ``pieces``
    and their parameters: ``_pieces``."""
    has_whole, edges = pieces
    parts = []
    if has_whole:
        where = (
            _MONTHLY.month.between(_day("whole_first"), _day("whole_last")),
            _at_location(_MONTHLY.location_id, narrowed),
        )
        if months is None:
            # Summed per referral before the join with referrals: the join then meets a ninth of the rows.
            parts.append(
                select(
                    _MONTHLY.referral_id,
                    func.sum(_MONTHLY.present).label("present"),
                    func.sum(_MONTHLY.absent).label("absent"),
                )
                .where(*where)
                .group_by(_MONTHLY.referral_id)
            )
        else:  # per month a referral has a row per location: summing first would gain little
            month = _month_of(_MONTHLY.month, months).label("month")
            parts.append(select(month, _MONTHLY.referral_id, _MONTHLY.present, _MONTHLY.absent).where(*where))
    is_present = _ATTENDANCE.status == "present"
    for index in range(edges):
        month = [] if months is None else [_month_of(_ATTENDANCE.day, months).label("month")]
        parts.append(
            select(
                *month,
                _ATTENDANCE.referral_id,
                func.count().filter(is_present).label("present"),
                func.count().filter(~is_present).label("absent"),
            )
            .where(
                _ATTENDANCE.day.between(_day(f"edge_{index}_first"), _day(f"edge_{index}_last")),
                _at_location(_ATTENDANCE.location_id, narrowed),
            )
            .group_by(*month, _ATTENDANCE.referral_id)
        )
    return (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("units")


def _attendance_per_child(narrowed: bool, pieces: tuple[bool, int], months: int | None = None) -> Any:
    """Per child (and month): days present and days absent, so a child placed twice counts once."""
    units = _attendance_units(narrowed, pieces, months)
    month = [] if months is None else [units.c.month]
    return (
        select(
            *month,
            func.sum(units.c.present).label("present"),
            func.sum(units.c.absent).label("absent"),
        )
        .join(Referral.__table__, _REFERRALS.id == units.c.referral_id)
        .group_by(*month, _REFERRALS.child_id)
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


@lru_cache(maxsize=_SHAPES)
def _attendance_statement(narrowed: bool, pieces: tuple[bool, int]) -> Select[Any]:
    return select(*_children_counts(_attendance_per_child(narrowed, pieces)))


async def _attendance(
    db: AsyncSession, narrowed: bool, period: Period, values: dict[str, Any]
) -> tuple[int, int, int, int]:
    pieces, days = _pieces(period)
    row = (await _rows(db, _attendance_statement(narrowed, pieces), values | days))[0]
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


def _waiting_days_expression(postgres: bool) -> ColumnElement[int]:
    # The intake's date only where the waitlist date is missing (COALESCE stops at the first value).
    held_on = select(_INTAKES.held_on).where(_INTAKES.referral_id == _PLACEMENTS.referral_id).scalar_subquery()
    waiting_since = func.coalesce(_REFERRALS.waiting_since, held_on)
    days = _day_number(postgres, _PLACEMENTS.start_date) - _day_number(postgres, waiting_since)
    return case((days < 0, 0), else_=days)


@lru_cache(maxsize=_SHAPES)
def _placements_started_statement(postgres: bool, narrowed: bool) -> Select[Any]:
    # The waiting days of each placement worked out once, in a subquery, and then counted and ranked.
    rows = (
        select(_waiting_days_expression(postgres).label("days"))
        .select_from(Placement.__table__.join(Referral.__table__, _REFERRALS.id == _PLACEMENTS.referral_id))
        .where(_PLACEMENTS.start_date.between(FIRST, LAST), _at_location(_PLACEMENTS.location_id, narrowed))
        .subquery("started")
    )
    if postgres:
        return select(
            func.count(),
            func.count(rows.c.days),
            func.percentile_cont(0.5).within_group(rows.c.days),
            func.percentile_cont(0.9).within_group(rows.c.days),
        )
    return select(rows.c.days, func.count()).group_by(rows.c.days)


async def _placements_started(
    db: AsyncSession, postgres: bool, narrowed: bool, values: dict[str, Any]
) -> tuple[int, WaitingDays]:
    rows = await _rows(db, _placements_started_statement(postgres, narrowed), values)
    if postgres:
        started, known, median, p90 = rows[0]
        return int(started), WaitingDays(
            int(known), None if median is None else float(median), None if p90 is None else float(p90)
        )
    histogram = [(value, count) for value, count in rows]
    known = [(value, count) for value, count in histogram if value is not None]
    return sum(count for _, count in histogram), WaitingDays(
        sum(count for _, count in known), rules.percentile_cont(known, 0.5), rules.percentile_cont(known, 0.9)
    )


@lru_cache(maxsize=_SHAPES)
def _discharges_statement(narrowed: bool) -> Select[Any]:
    return (
        select(_PLACEMENTS.end_reason_code, func.count())
        .where(_PLACEMENTS.end_date.between(FIRST, LAST), _at_location(_PLACEMENTS.location_id, narrowed))
        .group_by(_PLACEMENTS.end_reason_code)
    )


async def _discharges(db: AsyncSession, narrowed: bool, values: dict[str, Any]) -> dict[str, int]:
    found = dict.fromkeys(DISCHARGE_REASONS, 0)
    for reason, count in await _rows(db, _discharges_statement(narrowed), values):
        key = reason if reason in found else "other"
        found[key] += count
    return found


@lru_cache(maxsize=_SHAPES)
def _goals_statement(narrowed: bool) -> Select[Any]:
    set_in = _GOALS.set_on.between(FIRST, LAST)
    reached_in = and_(_GOALS.status == "reached", _GOALS.closed_on.between(FIRST, LAST))
    return (
        select(_GOALS.dimension, func.count().filter(set_in), func.count().filter(reached_in))
        .where(or_(set_in, reached_in), _referral_in_scope(_GOALS.referral_id, narrowed))
        .group_by(_GOALS.dimension)
    )


async def _goals(db: AsyncSession, narrowed: bool, values: dict[str, Any]) -> dict[str | None, GoalCounts]:
    found: dict[str | None, GoalCounts] = {dimension: GoalCounts() for dimension in DIMENSIONS}
    for dimension, set_count, reached_count in await _rows(db, _goals_statement(narrowed), values):
        key = dimension if dimension in DIMENSIONS else None
        before = found.get(key, GoalCounts())
        found[key] = GoalCounts(before.set + set_count, before.reached + reached_count)
    return found


@lru_cache(maxsize=_SHAPES)
def _capacities_statement(narrowed: bool) -> Select[Any]:
    return (
        select(_SEATS.location_id, _SEATS.weekday, _SEATS.seats, _SEATS.valid_from)
        .where(_at_location(_SEATS.location_id, narrowed), _SEATS.valid_from <= LAST)
        .order_by(_SEATS.valid_from)
    )


@lru_cache(maxsize=_SHAPES)
def _closures_statement(narrowed: bool) -> Select[Any]:
    return select(_CLOSURES.location_id, _CLOSURES.day, _CLOSURES.last_day).where(
        _CLOSURES.day <= LAST, _CLOSURES.last_day >= FIRST, _at_location(_CLOSURES.location_id, narrowed)
    )


async def _occupancy(db: AsyncSession, narrowed: bool, period: Period, values: dict[str, Any]) -> dict[str, Occupancy]:
    """Seat-days used and offered per weekday over the opening days: every placement's days of that weekday
    within the period, less the closed days it covers; every location's seats valid on each day of that
    weekday, less its closed days."""
    steps: dict[Any, dict[str, list[tuple[date, int]]]] = defaultdict(lambda: defaultdict(list))
    for location_id, weekday, seats, valid_from in await _rows(db, _capacities_statement(narrowed), values):
        steps[location_id][weekday].append((valid_from, seats))
    closure_rows = await _rows(db, _closures_statement(narrowed), values)
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
    spans = [
        rules.PlacedSpan(
            location_id,
            frozenset(_WEEKDAY_INDEX[code] for code in weekdays or () if code in _WEEKDAY_INDEX),
            start,
            end,
        )
        for location_id, weekdays, start, end in await _rows(db, _placed_spans_statement(narrowed), values)
    ]
    placed, closed_placed = rules.placed_days(spans, closed, period)
    return {
        weekday: Occupancy(
            placed_days=placed[index] - closed_placed[index],
            seat_days=seat_days[weekday],
            opening_days=rules.weekday_count(period, index),
        )
        for index, weekday in enumerate(WEEKDAYS)
    }


_WEEKDAY_INDEX = {code: index for index, code in enumerate(WEEKDAYS)}  # a code nobody knows counts on no weekday


@lru_cache(maxsize=_SHAPES)
def _placed_spans_statement(narrowed: bool) -> Select[Any]:
    """The placements that run on at least one day of the period, as occupancy needs them (``rules.placed_days``)."""
    return select(_PLACEMENTS.location_id, _PLACEMENTS.weekdays, _PLACEMENTS.start_date, _PLACEMENTS.end_date).where(
        _overlaps(), _at_location(_PLACEMENTS.location_id, narrowed)
    )


def _overlaps() -> ColumnElement[bool]:
    """A placement that runs on at least one day of the period."""
    return and_(_PLACEMENTS.start_date <= LAST, or_(_PLACEMENTS.end_date.is_(None), _PLACEMENTS.end_date >= FIRST))


@lru_cache(maxsize=_SHAPES)
def _waitlist_statements(narrowed: bool) -> tuple[Select[Any], Select[Any]]:
    """The children waiting today, and per location (a child waiting at two locations counts at each)."""
    waiting = _REFERRALS.status == Status.WAITLISTED.value
    total = select(func.count()).where(waiting, _referral_in_scope(_REFERRALS.id, narrowed))
    by_location = (
        select(_REFERRAL_LOCATIONS.location_id, func.count())
        .join(Referral.__table__, _REFERRALS.id == _REFERRAL_LOCATIONS.referral_id)
        .where(waiting, _at_location(_REFERRAL_LOCATIONS.location_id, narrowed))
        .group_by(_REFERRAL_LOCATIONS.location_id)
    )
    return total, by_location


async def waitlist_today(db: AsyncSession, scope: Scope) -> tuple[int, dict[UUID, int]]:
    total, by_location = _waitlist_statements(scope.narrowed)
    values = {"locations": list(scope.location_ids or ())}
    return int((await _rows(db, total, values))[0][0] or 0), dict(await _rows(db, by_location, values))


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


def _per_month(bucket: ColumnElement[int], *where: ColumnElement[bool]) -> Select[Any]:
    rows = select(bucket.label("month")).where(*where).subquery()
    return select(rows.c.month, func.count()).group_by(rows.c.month)


@lru_cache(maxsize=_SHAPES)
def _trend_statements(narrowed: bool, months: int) -> dict[str, Select[Any]]:
    """Per count of ``MonthFigures`` (but attendance's): the count per month of the period, as (index, count)."""
    goal_scope = _referral_in_scope(_GOALS.referral_id, narrowed)
    placements_here = _at_location(_PLACEMENTS.location_id, narrowed)
    return {
        "referrals": _per_month(
            _month_of(_REFERRALS.submitted_at, months, timestamp=True),
            SUBMITTED_IN,
            _referral_in_scope(_REFERRALS.id, narrowed),
        ),
        "placements_started": _per_month(
            _month_of(_PLACEMENTS.start_date, months), _PLACEMENTS.start_date.between(FIRST, LAST), placements_here
        ),
        "placements_ended": _per_month(
            _month_of(_PLACEMENTS.end_date, months), _PLACEMENTS.end_date.between(FIRST, LAST), placements_here
        ),
        "goals_set": _per_month(_month_of(_GOALS.set_on, months), _GOALS.set_on.between(FIRST, LAST), goal_scope),
        "goals_reached": _per_month(
            _month_of(_GOALS.closed_on, months),
            _GOALS.status == "reached",
            _GOALS.closed_on.between(FIRST, LAST),
            goal_scope,
        ),
    }


@lru_cache(maxsize=_SHAPES)
def _attendance_per_month_statement(narrowed: bool, pieces: tuple[bool, int], months: int) -> Select[Any]:
    per_child = _attendance_per_child(narrowed, pieces, months)
    return select(per_child.c.month, *_children_counts(per_child)).group_by(per_child.c.month)


async def trends(db: AsyncSession, scope: Scope, period: Period) -> list[MonthFigures]:
    """The figures per calendar month of the period (the first and last month cut to the period)."""
    months = period.months()
    pieces, days = _pieces(period)
    values = _parameters(scope, period) | _month_parameters(months) | days
    found: list[dict[str, int]] = [{} for _ in months]
    for name, statement in _trend_statements(scope.narrowed, len(months)).items():
        for index, count in await _rows(db, statement, values):
            found[int(index)][name] = int(count)
    statement = _attendance_per_month_statement(scope.narrowed, pieces, len(months))
    for index, reached, recorded, present, absent in await _rows(db, statement, values):
        found[int(index)].update(
            children_reached=int(reached),
            children_recorded=int(recorded),
            present=int(present or 0),
            absent=int(absent or 0),
        )
    return [MonthFigures(month, **counts) for month, counts in zip(months, found, strict=True)]
