"""How many SQL statements one GET of each role's pages costs (issue 15), and that the number does not grow with
the data: no query per child, referral, goal, observation or message.

One app and one browser for the whole module (``measured``): a world around location A is built, every page is
read with a little data of every kind, then again with several times as much, and the statements of each request
are counted on the app's own engine. The factories write through engines of their own, so the set-up is never
counted; only what happens inside the counted GET is.

What counts: every statement the app sends through a cursor during the request (``before_cursor_execute``),
from the session lookup to the view written in the audit log after the answer, reads and writes alike. BEGIN and
COMMIT are not counted: neither driver sends them through a cursor (Python's sqlite3 begins by itself before a
write and commits on the connection, asyncpg uses its transaction API), so they never reach the count. The
transactions are recorded beside it instead (``Counted.transactions``) and checked on their own: one per ordinary
page, none left open, no SAVEPOINT.

Each page is read once before the read that is counted: the count is that of a page as people see it all day, not
of a fresh process's first request (PostgreSQL's dialect asks the server a few things on its first connection).
The report of a period that has ended is the exception: its first view (which counts the figures and keeps them)
and its second (served from the report cache) are both counted.

A "small" world has at least one of every kind a page shows (a duplicate child, a message, an evaluation, an open
concern...): a page may skip a statement when a list is empty, which would look like growth but is not.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import event, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.attendance.models import Attendance, Concern
from huiskamer.auth.middleware import SESSION_COOKIE
from huiskamer.auth.models import User
from huiskamer.config import Settings
from huiskamer.intake.models import Goal, Intake
from huiskamer.progress.models import Evaluation, ProgressNote
from huiskamer.referrals.models import Child, Referral, ReferralEvent, ReferralLocation, ReferralMessage
from huiskamer.site.templating import today
from tests.attendance_helpers import Cast, make_cast, place_child, signed_in
from tests.conftest import empty_database
from tests.factories import in_session, make_location
from tests.service.reports_helpers import ReportWorld, add_crowd

# --- what each page costs -------------------------------------------------------------------------------------
# Statements per request: (SQLite, PostgreSQL); today both databases need exactly as many. "session" is the
# middleware's lookup of the session with its user and locations; "the view" the audit event written for a dossier
# or a day list that was looked at; "the location" is its row, its seats and its closure days (3).
# Every page that shows children writes who saw them in the access log (``audit.access``): the chain's head locked
# and read in one statement, the entries, the head moved on (3), where the page had the referrals but not the children
# at hand one more to look them up; this replaced the one "view" of a dossier or day list.

EXPECTED: dict[str, tuple[int, int]] = {
    # session; the locations with their seats and closure days (3), which the page does not show.
    "start/admin": (4, 4),
    # session; their locations (3); the five oldest submitted referrals, the counts by status, which are unread,
    # which may be duplicates (4); the open concerns and how many (2); the evaluations due: the placements, the
    # goals per child, the evaluations (3); the organisation's settings; the new messages: how many, per referral,
    # the children's names (3); the intakes of this week; the access log (4).
    "start/coordinator": (22, 22),
    # Today's day list of their one location: session; their locations; the location with today's closure; the
    # children with their day, goals and taps in one; the view in the access log (3), its children known from the
    # rows.
    "start/youth_worker": (7, 7),
    # session; their organisation; their referrals, the counts by status, which are unread.
    "start/referrer": (8, 8),
    # session; a page of referrals, the counts by status, which are unread, which may be duplicates; the locations
    # to filter on (3).
    "inbox/coordinator": (11, 11),
    # session; the location (3); the waiting children, where else they may go, brothers and sisters placed, the
    # seats held; the view in the access log (3), its children known from the rows.
    "waitlist/coordinator": (11, 11),
    # As the youth worker's start page, which it is.
    "day_list/youth_worker": (7, 7),
    # A search typed on a list (issue 18) adds no statement: the waitlist and the placements read whether each child
    # matches as a column of the query they make anyway, the other lists filter theirs. The fragment htmx asks for
    # as one types costs what the page does, less what only the page around it shows.
    "waitlist/search": (11, 11),
    "waitlist/search/fragment": (11, 11),
    # session; the location (3); the placements with their children, and whether each matches the search; the
    # access log (3).
    "placements/coordinator": (8, 8),
    "placements/search": (8, 8),
    "placements/search/fragment": (8, 8),
    "start/referrer/search": (8, 8),
    # The referrer's list without the page around it: no organisation.
    "start/referrer/search/fragment": (7, 7),
    "inbox/search/fragment": (11, 11),
    # session; the referral with its locations (2); an earlier intake; the brothers and sisters linked; the goal
    # catalogue; the locations to prefer (3) and, again, to see on which weekdays they open (3); the suggested
    # brothers and sisters (one query, ranked by name and address in Python); the access log (3).
    "intake/coordinator": (16, 16),
    # session; the referral with its locations (2); the children found; the child of the referral the path names
    # (the access log notes it read); the access log (3).
    "siblings/search/fragment": (8, 8),
    # session; the placement with its location (3); the referral with its locations (2); the practical part of the
    # intake; the goals; the observations and who made them (2); the evaluations, their outcomes and who held them
    # (3); the organisation's settings; the view.
    "child/coordinator": (18, 18),
    # As the coordinator's, without the evaluations and the settings.
    "child/youth_worker": (14, 14),
    # session; the referral with its locations (2); the child's other referrals with theirs (2); the location
    # names; the organisation; the submitter with their locations (2); the history; the messages; possible
    # duplicates with their locations (2); when the referrer's messages were last read by someone of ours; the
    # moment read now; who saw this dossier, and how many entries (2); the access log entry (3).
    "dossier/coordinator": (20, 20),
    # This year (counted live) against last year (from the report cache): session; the locations; this year's
    # figures (9: occupancy reads the placements and counts their days in Python) and today's waitlist (2); last
    # year's figures from the cache (is it kept, has anything changed since: 2); this year's settled months from the
    # cache (2) and its last month counted (6); last year's months from the cache (2); the stories of the period
    # (2).
    "reports/coordinator": (27, 27),
    # The same for all locations.
    "reports/admin": (27, 27),
    # Last year, the first view after its data changed: session; the locations; today's waitlist (2); the stories
    # (2); and four times (last year's figures, the year before's, the months of each) is it kept, the database's
    # clock, what was written lately in its days, the figures (9 or 6), keeping them: 13 + 13 + 10 + 10.
    "reports/closed/first": (52, 52),
    # The second view: the four kept entries (is it kept, was anything written since: 8) instead of the figures.
    "reports/closed/second": (14, 14),
}

# Transactions per request (each a begin and a commit): one, except where the report cache keeps what it counted,
# each entry in a short transaction of its own (``reports.cache._keep``).
TRANSACTIONS = {"reports/closed/first": 5}


# --- counting -------------------------------------------------------------------------------------------------


@dataclass
class Counted:
    """What one request sent to the database: its statements (the count), and its transactions beside them."""

    status: int = 0
    size: int = 0  # of the answer, in bytes
    statements: list[str] = field(default_factory=list)
    transactions: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    def listing(self) -> str:
        return "\n".join(" ".join(sql.split())[:150] for sql in self.statements)


@contextmanager
def counting(app: Any) -> Iterator[Counted]:
    """Counts the statements of the app's engine (not of the factories' engines) while the block runs."""
    engine = app.state["huiskamer_alchemy"].get_engine().sync_engine
    counted = Counted()

    def statement(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        counted.statements.append(sql)

    def transaction(name: str) -> Callable[..., None]:
        return lambda *_: counted.transactions.append(name)

    listeners: list[tuple[str, Callable[..., None]]] = [("before_cursor_execute", statement)]
    listeners += [(name, transaction(name)) for name in ("begin", "commit", "rollback", "savepoint")]
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        yield counted
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)


# --- the world ------------------------------------------------------------------------------------------------


NOT_YET = UUID(int=0)


@dataclass
class World:
    settings: Settings
    app: Any
    client: Any
    cast: Cast
    organisation: UUID  # the referrer's
    child: UUID = NOT_YET  # a child placed at A: the child's page
    dossier: UUID = NOT_YET  # a referral in review at A: the coordinator's dossier
    made: int = 0  # how many of each kind ``_more_around_a`` made so far
    sessions: dict[str, str] = field(default_factory=dict)  # a session cookie per role

    def sign_in(self, role: str) -> None:
        """The browser carries this role's session (one per role for the module: each costs an engine)."""
        if role not in self.sessions:
            people = {
                "admin": self.cast.admin,
                "coordinator": self.cast.coordinator_a,
                "youth_worker": self.cast.youth_worker_a,
                "referrer": self.cast.referrer,
            }
            signed_in(self.settings, self.client, people[role])
            self.sessions[role] = self.client.cookies[SESSION_COOKIE]
        self.client.cookies.set(SESSION_COOKIE, self.sessions[role])


def _referral(world: World, child: Child | UUID, status: str, *, days_ago: int) -> Referral:
    """A referral by the referrer for ``child`` (a new one, or the id of a known one)."""
    now = datetime.now(UTC)
    return Referral(
        **({"child": child} if isinstance(child, Child) else {"child_id": child}),
        submitted_by_id=world.cast.referrer,
        organisation_id=world.organisation,
        source="school",
        reason="Wordt snel boos op het schoolplein en heeft weinig vriendjes.",
        guardian_informed=True,
        guardian_name="M. Jansen",
        guardian_phone="+31612345678",
        requested_weekdays=["mon", "tue", "thu"],
        status=status,
        submitted_at=now - timedelta(days=days_ago),
        status_changed_at=now,
        referrer_visible_change_at=now,
        waiting_since=today() - timedelta(days=days_ago) if status == "waitlisted" else None,
    )


def _child(given: str, born: date) -> Child:
    return Child(
        given_name=given,
        family_name="Jansen",
        date_of_birth=born,
        postcode="1325 AB",
        neighbourhood="Stedenwijk",
        match_key=f"{given} jansen".lower(),
    )


async def _at_a(db: AsyncSession, world: World, referral: Referral) -> Referral:
    db.add(referral)
    await db.flush()
    db.add(ReferralLocation(referral_id=referral.id, location_id=world.cast.a, rank=1))
    return referral


async def _more_around_a(db: AsyncSession, world: World, n: int) -> None:
    """``n`` more of every kind around location A: children placed (an evaluation due or overdue, a tap today for
    every other one, an open concern for every third), and the referrer's referrals for A: submitted, in review
    (with a message each way) and waitlisted (with an intake and a goal)."""
    cast, now = world.cast, datetime.now(UTC)
    for number in range(world.made, world.made + n):
        placed = await place_child(
            db,
            location_id=cast.a,
            coordinator_id=cast.coordinator_a,
            given_name=f"Kind{number}",
            start=today() - timedelta(days=100 if number % 2 else 40),
        )
        if number % 2 == 0:
            db.add(
                Attendance(
                    placement_id=placed.placement_id,
                    referral_id=placed.referral_id,
                    location_id=cast.a,
                    day=today(),
                    status="present",
                    arrived_at=now,
                    recorded_by_id=cast.youth_worker_a,
                )
            )
        if number % 3 == 0:
            db.add(
                Concern(
                    referral_id=placed.referral_id,
                    location_id=cast.a,
                    placement_id=placed.placement_id,
                    kind="observation",
                    text="Was erg stil vandaag.",
                    raised_at=now,
                    raised_by_id=cast.youth_worker_a,
                )
            )
        for status in ("submitted", "in_review", "waitlisted"):
            born = date(today().year - 8, 3, 1) - timedelta(days=number)
            referral = await _at_a(db, world, _referral(world, _child(f"{status}{number}", born), status, days_ago=10))
            if status == "in_review":
                for author in (cast.referrer, cast.coordinator_a):
                    db.add(
                        ReferralMessage(
                            referral_id=referral.id,
                            at=now,
                            author_id=author,
                            author_name="Iemand",
                            from_referrer=author == cast.referrer,
                            text="Is er al nieuws?",
                        )
                    )
            if status == "waitlisted":
                intake = Intake(
                    referral_id=referral.id,
                    held_on=today() - timedelta(days=number + 1),
                    held_by_id=cast.coordinator_a,
                    urgency="normal",
                    requested_weekdays=["mon", "tue", "thu"],
                    minimum_days=1,
                    consent_data_processing=True,
                )
                db.add(intake)
                await db.flush()
                db.add(Goal(intake_id=intake.id, referral_id=referral.id, description="Een vriendje", set_on=today()))
    world.made += n


async def _more_for_the_child(db: AsyncSession, world: World, goals: int, notes: int, evaluations: int) -> None:
    """More goals for the child of the child's page, observations by two people on every goal, and evaluations."""
    cast = world.cast
    intake = await db.scalar(select(Intake.id).where(Intake.referral_id == world.child))
    for position in range(goals):
        db.add(
            Goal(
                intake_id=intake,
                referral_id=world.child,
                description=f"Nog een doel {position}",
                set_on=today() - timedelta(days=30),
                position=10 + position,
            )
        )
    await db.flush()
    for goal_id in (await db.scalars(select(Goal.id).where(Goal.referral_id == world.child))).all():
        for days in range(1, notes + 1):
            for who in (cast.youth_worker_a, cast.coordinator_a):
                db.add(
                    ProgressNote(
                        goal_id=goal_id,
                        referral_id=world.child,
                        rating=1 + days % 4,
                        note=f"Observatie {days}",
                        observed_on=today() - timedelta(days=days),
                        recorded_by_id=who,
                    )
                )
    for n in range(evaluations):
        db.add(
            Evaluation(
                referral_id=world.child, held_on=today() - timedelta(days=20 * (n + 1)), held_by_id=cast.youth_worker_a
            )
        )


async def _more_for_the_dossier(db: AsyncSession, world: World, n: int) -> None:
    """More history and messages for the dossier's referral, earlier referrals of the same child, and children with
    the same name and birthday (possible duplicates) referred to A."""
    now = datetime.now(UTC)
    referral = await db.get(Referral, world.dossier)
    assert referral is not None
    for number in range(n):
        db.add(
            ReferralEvent(
                referral_id=world.dossier,
                at=now - timedelta(minutes=number),
                actor_id=world.cast.coordinator_a,
                actor_label="Coördinator",
                from_status="submitted",
                to_status="in_review",
            )
        )
        db.add(
            ReferralMessage(
                referral_id=world.dossier,
                at=now - timedelta(minutes=number),
                author_id=world.cast.referrer,
                author_name="Verwijzer",
                from_referrer=True,
                text=f"Bericht {number}",
            )
        )
        await _at_a(db, world, _referral(world, referral.child_id, "withdrawn", days_ago=300 + number))
        twin = _child(referral.child.given_name, referral.child.date_of_birth)
        await _at_a(db, world, _referral(world, twin, "rejected", days_ago=200 + number))


def grow(world: World, work: Callable[..., Any], *args: Any) -> None:
    in_session(world.settings, lambda db: work(db, world, *args))


def report_people(cast: Cast) -> ReportWorld:
    """The report data set's people, as this world's: ``add_crowd`` fills last year (and a little of the year
    before) with children at A, referred, placed, present and absent, with goals reached."""
    return ReportWorld(
        a=cast.a,
        b=cast.b,
        coordinator_a=cast.coordinator_a,
        coordinator_b=cast.coordinator_b,
        coordinator_ab=cast.coordinator_a,
        youth_worker_a=cast.youth_worker_a,
        referrer=cast.referrer,
        admin=cast.admin,
    )


def reports_start_afresh(sync_engine: Any) -> None:
    """The report cache emptied, and every recorded change of the reports' data dated an hour back: the data set was
    written well before anyone looks (a change less than ``reports.cache.MARGIN`` before a report is counted would
    make the kept figures stale at once, and the second view would count them again)."""
    if not inspect(sync_engine).has_table("report_cache"):
        return
    with sync_engine.begin() as connection:
        connection.execute(text("DELETE FROM report_cache"))
        connection.execute(text("UPDATE report_changes SET changed_at = changed_at - 3600"))


# --- reading the pages ----------------------------------------------------------------------------------------

LAST_YEAR = today().year - 1
CLOSED = f"/rapportage?van={LAST_YEAR}-01-01&tot={LAST_YEAR}-12-31"

# name: (role, path); a path may name location A, the world's child or its dossier.
PAGES: dict[str, tuple[str, str]] = {
    "start/admin": ("admin", "/"),
    "start/coordinator": ("coordinator", "/"),
    "start/youth_worker": ("youth_worker", "/"),
    "start/referrer": ("referrer", "/"),
    "inbox/coordinator": ("coordinator", "/aanmeldingen"),
    "waitlist/coordinator": ("coordinator", "/locaties/{a}/wachtlijst"),
    "waitlist/search": ("coordinator", "/locaties/{a}/wachtlijst?zoek=jansen"),
    "waitlist/search/fragment": ("coordinator", "/locaties/{a}/wachtlijst?zoek=jansen"),
    "placements/coordinator": ("coordinator", "/locaties/{a}/plaatsingen"),
    "placements/search": ("coordinator", "/locaties/{a}/plaatsingen?zoek=kind"),
    "placements/search/fragment": ("coordinator", "/locaties/{a}/plaatsingen?zoek=kind"),
    "start/referrer/search": ("referrer", "/?zoek=jansen"),
    "start/referrer/search/fragment": ("referrer", "/?zoek=jansen"),
    "inbox/search/fragment": ("coordinator", "/aanmeldingen?status=alle&zoek=jansen"),
    "intake/coordinator": ("coordinator", "/aanmeldingen/{dossier}/intake"),
    "siblings/search/fragment": ("coordinator", "/aanmeldingen/{dossier}/intake/broers-en-zussen?zoek_broer_zus=jans"),
    "day_list/youth_worker": ("youth_worker", "/daglijst"),
    "child/coordinator": ("coordinator", "/kinderen/{child}"),
    "child/youth_worker": ("youth_worker", "/kinderen/{child}"),
    "dossier/coordinator": ("coordinator", "/aanmeldingen/{dossier}"),
    "reports/coordinator": ("coordinator", "/rapportage"),
    "reports/admin": ("admin", "/rapportage"),
}


def get(world: World, url: str, headers: dict[str, str] | None = None) -> Counted:
    with counting(world.app) as counted:
        response = world.client.get(url, headers=headers)
    counted.status, counted.size = response.status_code, len(response.content)
    return counted


def read_every_page(world: World, sync_engine: Any) -> dict[str, Counted]:
    found: dict[str, Counted] = {}
    for name, (role, path) in PAGES.items():
        url = path.format(a=world.cast.a, child=world.child, dossier=world.dossier)
        # A ".../fragment" is what htmx asks for as the coordinator or referrer types in a search field.
        headers = {"HX-Request": "true"} if name.endswith("/fragment") else None
        world.sign_in(role)
        if name == "reports/coordinator":
            reports_start_afresh(sync_engine)
        world.client.get(url, headers=headers)  # read once: the count is the second read's
        found[name] = get(world, url, headers)
    # The beheerder's report of last year: the first view after its data changed, then the second.
    reports_start_afresh(sync_engine)
    world.sign_in("admin")
    found["reports/closed/first"] = get(world, CLOSED)
    found["reports/closed/second"] = get(world, CLOSED)
    return found


@dataclass
class Measured:
    few: dict[str, Counted]
    many: dict[str, Counted]
    dialect: str

    def expected(self, name: str) -> int:
        sqlite, postgresql = EXPECTED[name]
        expected = postgresql if self.dialect == "postgresql" else sqlite
        if name in ("reports/coordinator", "reports/admin") and _this_year_has_no_settled_month():
            expected -= 2  # January (and the first days of February): no kept months, nothing to look up
        return expected


def _this_year_has_no_settled_month() -> bool:
    from huiskamer.reports import pages, service

    settled, _ = service._split_at_settled_month(pages.default_period(today()), today())
    return settled is None


@pytest.fixture(scope="module")
def measured(database_url: str, sync_engine: Any) -> Iterator[Measured]:
    """One app and one browser for the module: every page read with a little data, then with much more."""
    from litestar.testing import TestClient

    from huiskamer.app import create_app

    empty_database(sync_engine)
    settings = Settings(  # as the ``test_settings`` fixture, once for the module
        database_url=database_url,
        secret_key=secrets.token_hex(32),
        dev_mode=True,
        run_worker=False,
        base_url="http://testserver.local",
    )
    cast = make_cast(settings, with_tokens=False)

    async def organisation_of_referrer(db: AsyncSession) -> UUID:
        found = await db.scalar(select(User.organisation_id).where(User.id == cast.referrer))
        assert found is not None
        return found

    with (
        pytest.MonkeyPatch.context() as patch,
        TestClient(create_app(settings), base_url="http://testserver.local") as client,
    ):
        # Drawing a chart sends no statement: a stub draws them here.
        patch.setattr("huiskamer.reports.charts.render_svg", lambda chart: "<svg></svg>")
        world = World(settings, client.app, client, cast, in_session(settings, organisation_of_referrer))
        world.child = in_session(
            settings,
            lambda db: place_child(db, location_id=cast.a, coordinator_id=cast.coordinator_a, given_name="Noor"),
        ).referral_id

        async def dossier(db: AsyncSession) -> UUID:
            born = date(today().year - 9, 6, 1)
            return (await _at_a(db, world, _referral(world, _child("Sem", born), "in_review", days_ago=5))).id

        world.dossier = in_session(settings, dossier)

        grow(world, _more_around_a, 2)
        grow(world, _more_for_the_child, 0, 1, 1)
        grow(world, _more_for_the_dossier, 1)
        add_crowd(settings, report_people(cast), year=LAST_YEAR, children=3)
        few = read_every_page(world, sync_engine)

        grow(world, _more_around_a, 10)
        grow(world, _more_for_the_child, 5, 8, 4)
        grow(world, _more_for_the_dossier, 8)
        add_crowd(settings, report_people(cast), year=LAST_YEAR, children=15)
        for number in range(3):  # more locations, for the beheerder
            make_location(settings, f"Huiskamer {number}", closure_days=(today() + timedelta(days=number + 1),))
        many = read_every_page(world, sync_engine)
        yield Measured(few, many, sync_engine.dialect.name)


# --- the tests ------------------------------------------------------------------------------------------------


def _message(name: str, counted: Counted, label: str) -> str:
    return f"{name} ({label}): {counted.count} statements, {counted.transactions}\n{counted.listing()}"


@pytest.mark.parametrize("name", list(EXPECTED))
def test_a_page_costs_a_fixed_number_of_statements_whatever_the_data(measured, name):
    few, many = measured.few[name], measured.many[name]
    assert (few.status, many.status) == (200, 200), name
    # No query per child, referral, goal, observation, message or location: as many with much data as with little.
    assert many.count == few.count, _message(name, many, f"much data; with little: {few.count}")
    assert few.count == measured.expected(name), _message(name, few, measured.dialect)


# The beheerder's start page reads the locations (with their seats and closure days) but shows none of them; the
# reports show figures, whose size does not follow the data; the intake form suggests at most ten brothers and
# sisters, as many in both worlds (the picker's search, which lists up to twenty, shows more).
LISTS = [
    name for name in PAGES if name not in ("start/admin", "intake/coordinator") and not name.startswith("reports/")
]


@pytest.mark.parametrize("name", LISTS)
def test_the_pages_really_showed_more_the_second_time(measured, name):
    """The guard against a query per row only means something if the second page showed more rows."""
    assert measured.many[name].size > measured.few[name].size * 1.1, name


def test_a_closed_periods_report_comes_from_the_report_cache_the_second_time(measured):
    for sizes in (measured.few, measured.many):
        first, second = sizes["reports/closed/first"], sizes["reports/closed/second"]
        assert second.count < first.count, _message("reports/closed/second", second, "after the first view")
        # Nothing kept again: the second view writes nothing (the cache is marked as used once a day at most).
        assert not [sql for sql in second.statements if sql.lstrip().upper().startswith(("INSERT", "UPDATE"))]


def test_begin_and_commit_are_not_statements_and_no_savepoint_is_used(measured):
    """BEGIN and COMMIT never reach a cursor (and so the counts), on either database; every request ends its
    transactions, one for a page (more only where the report cache keeps figures), and none uses a SAVEPOINT."""
    control = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
    for sizes in (measured.few, measured.many):
        for name, counted in sizes.items():
            assert not [sql for sql in counted.statements if sql.lstrip().upper().startswith(control)], name
            assert counted.transactions == ["begin", "commit"] * TRANSACTIONS.get(name, 1), (name, counted.transactions)
