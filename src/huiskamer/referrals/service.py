"""Use cases of a referral: submit, find (in scope), move through its statuses, withdraw, message, and the
duplicates check. The referrer sees only their own referrals; a coordinator those for their locations."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Select, delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.audit.access import note_access
from huiskamer.auth.actor import Actor
from huiskamer.auth.models import Organisation, Role, User, UserLocation
from huiskamer.config import Settings
from huiskamer.errors import Conflict, Forbidden, InvalidInput, NotFound
from huiskamer.locations.models import Location
from huiskamer.mail.service import enqueue
from huiskamer.referrals import rules, search
from huiskamer.referrals.models import (
    Child,
    Referral,
    ReferralEvent,
    ReferralLocation,
    ReferralMessage,
    ReferralRead,
)
from huiskamer.referrals.rules import MoveRefused, MoveRequest, Status
from huiskamer.referrals.schemas import ReferralInput
from huiskamer.validation import FieldErrors, Parsed
from huiskamer.waitlist import age_on

PAGE_SIZE = 50
SYSTEM_LABEL = "Huiskamer (automatisch)"
NOTICE_SUBJECT = "Wijziging in een aanmelding"
NOTICE_BODY = "Er is een wijziging in een aanmelding. Log in om die te bekijken.\n\n{url}\n"
# To the coordinators: what happened and where to look, never the child (a mailbox is outside the organisation).
NEW_REFERRAL_SUBJECT = "Nieuwe aanmelding"
NEW_REFERRAL_BODY = "Er is een nieuwe aanmelding voor uw locatie. Log in om die te bekijken.\n\n{url}\n"
NEW_MESSAGE_SUBJECT = "Nieuw bericht bij een aanmelding"
NEW_MESSAGE_BODY = "Er is een nieuw bericht bij een aanmelding. Log in om het te lezen.\n\n{url}\n"


def _now() -> datetime:
    return datetime.now(UTC)


def match_key(given_name: str, family_name: str) -> str:
    """Lower case, without accents or extra spaces: "Noör  Bakker" and "noor bakker" match."""
    return search.normalise(f"{given_name} {family_name}")[:210]


def _actor_label(actor: Actor) -> str:
    return f"{actor.name} ({actor.role_name})"


# --- scope ---------------------------------------------------------------------------------------


def _require_referral_role(actor: Actor) -> None:
    # Youth workers and beheerders see no referral at all; a beheerder who is also coordinator has that role.
    if not (actor.is_referrer or actor.is_coordinator):
        raise Forbidden("Aanmeldingen zijn er voor verwijzers en coördinatoren.")


def scoped_referrals(actor: Actor) -> Select[tuple[Referral]]:
    """Every query for referrals starts here: a referrer's own, or those for a coordinator's locations."""
    query = select(Referral)
    if actor.is_referrer:
        return query.where(Referral.submitted_by_id == actor.id)
    if actor.is_coordinator:
        # "id IN (the referrals of my locations)": the database starts from the location index and looks the
        # few referrals up, instead of testing every referral of the city (an EXISTS per row).
        return query.where(Referral.id.in_(_referral_ids_for(actor.location_ids or {UUID(int=0)})))
    return query.where(False)


def _referral_ids_for(location_ids: Iterable[UUID]) -> Select[tuple[UUID]]:
    return select(ReferralLocation.referral_id).where(ReferralLocation.location_id.in_(list(location_ids)))


async def get_referral(db: AsyncSession, actor: Actor, referral_id: UUID, *, log_view: bool = True) -> Referral:
    """The referral when it is in the actor's scope; otherwise it does not exist (404)."""
    _require_referral_role(actor)
    referral = await db.scalar(scoped_referrals(actor).where(Referral.id == referral_id))
    if referral is None:
        raise NotFound("Deze aanmelding bestaat niet, of u heeft er geen toegang toe.")
    if log_view:
        note_access(db, "dossier", pairs=[(referral.id, referral.child_id)])
    return referral


# --- submitting ----------------------------------------------------------------------------------


async def active_locations(db: AsyncSession) -> list[Location]:
    """The active locations by name: what a referral can be for."""
    return list((await db.scalars(select(Location).where(Location.active.is_(True)).order_by(Location.name))).all())


def locations_for(data: ReferralInput, active: Sequence[Location]) -> list[Location]:
    """The preferred locations in order; with no preference those serving the neighbourhood, or all."""
    by_id = {location.id: location for location in active}
    if data.preferred_location_ids:
        missing = [i for i in data.preferred_location_ids if i not in by_id]
        if missing:
            raise InvalidInput({"preferred_location_ids": "Een gekozen locatie bestaat niet (meer)."})
        return [by_id[i] for i in data.preferred_location_ids]
    neighbourhood = (data.child.neighbourhood or "").strip().lower()
    serving = [loc for loc in active if neighbourhood and neighbourhood in {n.lower() for n in loc.neighbourhoods}]
    return serving or list(active)


def _age_problem(data: ReferralInput, locations: Sequence[Location]) -> dict[str, str]:
    """The child's age on the intended start must fit at least one of the locations (4–12 by default)."""
    age = age_on(data.child.date_of_birth, data.intended_start)
    low = min((loc.min_age for loc in locations), default=4)
    high = max((loc.max_age for loc in locations), default=12)
    if low <= age <= high:
        return {}
    from huiskamer.site.templating import dutch_date

    return {
        "child.date_of_birth": (
            f"De huiskamers zijn er voor kinderen van {low} tot en met {high} jaar. "
            f"Dit kind is op {dutch_date(data.intended_start, 'd MMMM y')} {age} jaar."
        )
    }


def check_new_referral(actor: Actor, data: ReferralInput, locations: Sequence[Location], errors: FieldErrors) -> None:
    """The rules of a new referral on its fields that were read (those named in ``errors`` are skipped), as messages
    in ``errors``: the age fits a location, and a coordinator refers to at least one of their own locations."""
    if not errors.failed("child.date_of_birth", "intended_start"):
        errors.add_all(_age_problem(data, locations))
    # Also with nothing ticked: "no preference" could send the referral to locations the coordinator does not
    # coordinate, and it would vanish from their own inbox.
    own = set(data.preferred_location_ids) & actor.location_ids
    if actor.is_coordinator and not errors.failed("preferred_location_ids") and not own:
        errors.add("preferred_location_ids", "Kies minstens één van uw eigen locaties.")


@dataclass
class NewReferral:
    """A referral as submitting makes it: the referral (with its child and locations), and what is added once the
    referral is stored (its first history entry, the submitter's read mark)."""

    referral: Referral
    records: list[Any]


def build_referral(
    actor: Actor,
    data: ReferralInput,
    locations: Sequence[Location],
    *,
    organisation: Organisation | None = None,
    now: datetime | None = None,
    submitted_at: datetime | None = None,
    first_reason: str | None = None,
) -> NewReferral:
    """The rules of a new referral and the referral they allow, on what was loaded (no I/O): the forms and the
    import both make their referrals here. ``submitted_at`` and ``first_reason``: a referral made earlier in an
    organisation's own administration (the import), whose history says when and where from."""
    _require_referral_role(actor)
    if not locations:
        raise Conflict("Er zijn nog geen locaties om een kind voor aan te melden.")
    errors = FieldErrors()
    check_new_referral(actor, data, locations, errors)
    errors.raise_if_any()
    source = data.source
    if actor.is_referrer and organisation is not None:
        source = source or organisation.type
    now = now or _now()
    submitted = submitted_at or now
    child = Child(
        id=uuid4(),
        given_name=data.child.given_name,
        family_name=data.child.family_name,
        date_of_birth=data.child.date_of_birth,
        postcode=data.child.postcode,
        neighbourhood=data.child.neighbourhood,
        school=data.child.school,
        match_key=match_key(data.child.given_name, data.child.family_name),
    )
    referral = Referral(
        id=uuid4(),
        child=child,
        child_id=child.id,
        submitted_by_id=actor.id,
        organisation_id=organisation.id if organisation else None,
        source=source or "other",
        reason=data.reason,
        guardian_informed=True,
        guardian_name=data.guardian_name,
        guardian_phone=data.guardian_phone,
        guardian_email=data.guardian_email,
        requested_weekdays=list(data.requested_weekdays),
        no_location_preference=not data.preferred_location_ids,
        status=Status.SUBMITTED.value,
        submitted_at=submitted,
        status_changed_at=submitted,
        referrer_visible_change_at=submitted,
    )
    # With the referral's id already: the audit trail names the child of each row as it is inserted.
    referral.locations = [
        ReferralLocation(referral_id=referral.id, location_id=loc.id, rank=n) for n, loc in enumerate(locations, 1)
    ]
    first = ReferralEvent(
        referral_id=referral.id,
        at=submitted,
        actor_id=actor.id,
        actor_label=_actor_label(actor),
        from_status=None,
        to_status=Status.SUBMITTED.value,
        reason=first_reason,
    )
    return NewReferral(referral, [first, ReferralRead(referral_id=referral.id, user_id=actor.id, seen_at=now)])


async def submit_referral(
    db: AsyncSession,
    actor: Actor,
    settings: Settings,
    data: ReferralInput | Parsed[ReferralInput],
    *,
    notify: bool = True,
    submitted_at: datetime | None = None,
    first_reason: str | None = None,
) -> Referral:
    """A referrer or coordinator refers a child; the referral starts as 'submitted' with its first history entry,
    and the coordinators of its locations who asked for mail hear of it (without child data; not for an import,
    ``notify`` False: a list of 140 children brought in is no news to mail about, row by row).

    One round: the rules are checked on every field that was read, and every message is raised at once."""
    _require_referral_role(actor)
    parsed = Parsed.of(data)
    errors, entered = parsed.errors, parsed.value
    locations: list[Location] = []
    if not errors.failed("preferred_location_ids"):
        with errors.collecting():
            locations = locations_for(entered, await active_locations(db))
    if locations:
        check_new_referral(actor, entered, locations, errors)
    data = parsed.checked()
    organisation: Organisation | None = None
    if actor.is_referrer and actor.organisation_id:
        organisation = await db.get(Organisation, actor.organisation_id)
    built = build_referral(
        actor, data, locations, organisation=organisation, submitted_at=submitted_at, first_reason=first_reason
    )
    referral = built.referral
    db.add(referral)
    await db.flush()
    db.add_all(built.records)
    if notify:
        await _notify_coordinators(db, settings, actor, referral, NEW_REFERRAL_SUBJECT, NEW_REFERRAL_BODY)
    await db.flush()
    return referral


# --- lists ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxFilters:
    status: str | None = None
    location_id: UUID | None = None
    source: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str | None = None
    page: int = 1
    page_size: int = PAGE_SIZE


@dataclass(slots=True)
class ListedChild:
    """The few fields of a child that a list shows or needs for its duplicate check."""

    id: UUID
    given_name: str
    family_name: str
    date_of_birth: date
    neighbourhood: str | None
    match_key: str
    distinct_confirmed: bool

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


@dataclass(slots=True)
class ListedReferral:
    """A referral as a list shows it: plain columns, not the whole dossier as ORM objects (500 rows per page)."""

    id: UUID
    status: str
    source: str
    submitted_at: datetime
    status_changed_at: datetime | None
    referrer_visible_change_at: datetime
    child: ListedChild


_LISTED_COLUMNS = (
    Referral.id,
    Referral.status,
    Referral.source,
    Referral.submitted_at,
    Referral.status_changed_at,
    Referral.referrer_visible_change_at,
    Child.id,
    Child.given_name,
    Child.family_name,
    Child.date_of_birth,
    Child.neighbourhood,
    Child.match_key,
    Child.distinct_confirmed,
)


def _listed(row: Sequence[object]) -> ListedReferral:
    values = tuple(row)
    return ListedReferral(*values[:6], child=ListedChild(*values[6:]))  # type: ignore[arg-type]


@dataclass
class ReferralRow:
    referral: ListedReferral
    child_name: str
    unread: bool
    possible_duplicate: bool = False


@dataclass
class InboxPage:
    rows: list[ReferralRow]
    counts: dict[str, int]
    total: int
    page: int
    has_next: bool
    filters: InboxFilters = field(default_factory=InboxFilters)


OPEN_STATUSES = [s.value for s in Status if s in rules.AWAITING_COORDINATOR]


def _apply_filters(query: Select[tuple[Referral]], filters: InboxFilters) -> Select[tuple[Referral]]:
    from huiskamer.site.templating import AMSTERDAM

    if filters.status == "open":
        query = query.where(Referral.status.in_(OPEN_STATUSES))
    elif filters.status:
        query = query.where(Referral.status == filters.status)
    if filters.location_id:
        query = query.where(Referral.id.in_(_referral_ids_for([filters.location_id])))
    if filters.source:
        query = query.where(Referral.source == filters.source)
    if filters.date_from:
        start = datetime.combine(filters.date_from, datetime.min.time(), AMSTERDAM)
        query = query.where(Referral.submitted_at >= start)
    if filters.date_to:
        end = datetime.combine(filters.date_to, datetime.max.time(), AMSTERDAM)
        query = query.where(Referral.submitted_at <= end)
    return search.filter_referrals(query, search.parse(filters.q))


async def _duplicate_child_ids(db: AsyncSession, children: Sequence[Child | ListedChild]) -> set[UUID]:
    """Of these children, the ones for whom another child with the same name and birthday is known."""
    candidates = [c for c in children if not c.distinct_confirmed]
    if not candidates:
        return set()
    # Everyone with one of these names and one of these birthdays: a page of children costs one indexed
    # look-up, whatever the size of the table.
    rows = await db.execute(
        select(Child.id, Child.match_key, Child.date_of_birth).where(
            # Both lists lead to the index on (name, birthday) in both databases; the exact pairs are matched here.
            Child.match_key.in_({c.match_key for c in candidates}),
            Child.date_of_birth.in_({c.date_of_birth for c in candidates}),
            Child.distinct_confirmed.is_(False),
        )
    )
    known: dict[tuple[str, date], set[UUID]] = {}
    for child_id, key, born in rows:
        known.setdefault((key, born), set()).add(child_id)
    return {c.id for c in candidates if known.get((c.match_key, c.date_of_birth), set()) - {c.id}}


async def _unread_ids(db: AsyncSession, actor: Actor, referrals: Sequence[Referral | ListedReferral]) -> set[UUID]:
    if not referrals:
        return set()
    seen = dict(
        (
            await db.execute(
                select(ReferralRead.referral_id, ReferralRead.seen_at).where(
                    ReferralRead.user_id == actor.id, ReferralRead.referral_id.in_([r.id for r in referrals])
                )
            )
        ).all()
    )
    return {r.id for r in referrals if r.id not in seen or r.referrer_visible_change_at > seen[r.id]}


# --- what the coordinators have not read -------------------------------------------------------------
#
# Read state is per referral, shared by the coordinators of its locations: a referrer's message is read once any
# coordinator opened the dossier after it arrived. The coordinators of a location answer as a team from one
# inbox; per person, a message one colleague answered would stay "new" for every other. "Opened" is the latest
# ``ReferralRead`` of anyone but the referrer who submitted it (only coordinators of its locations can open it
# besides them).


def _coordinators_seen_at(referral_id: Any, submitted_by_id: Any) -> Any:
    return (
        select(func.max(ReferralRead.seen_at))
        .where(ReferralRead.referral_id == referral_id, ReferralRead.user_id != submitted_by_id)
        .scalar_subquery()
    )


def _unread_messages() -> Select[tuple[UUID]]:
    """The referrer's messages that arrived after a coordinator last opened the dossier (or never opened)."""
    seen = _coordinators_seen_at(ReferralMessage.referral_id, Referral.submitted_by_id)
    return (
        select(ReferralMessage.referral_id)
        .join(Referral, Referral.id == ReferralMessage.referral_id)
        .where(ReferralMessage.from_referrer.is_(True), or_(seen.is_(None), ReferralMessage.at > seen))
    )


async def _unread_by_coordinators(db: AsyncSession, referral_ids: Sequence[UUID]) -> set[UUID]:
    if not referral_ids:
        return set()
    found = await db.scalars(_unread_messages().where(ReferralMessage.referral_id.in_(referral_ids)).distinct())
    return set(found.all())


async def coordinators_seen_at(db: AsyncSession, referral: Referral) -> datetime | None:
    """When a coordinator last opened this dossier: the referrer's messages after it are new."""
    return await db.scalar(select(_coordinators_seen_at(referral.id, referral.submitted_by_id)))


@dataclass(frozen=True)
class UnreadReferral:
    referral_id: UUID
    child_name: str
    count: int
    latest_at: datetime


@dataclass(frozen=True)
class UnreadMessages:
    count: int  # the referrers' messages no coordinator has read yet
    referrals: list[UnreadReferral]  # the referrals they are on, the latest message first


async def unread_messages(db: AsyncSession, actor: Actor, limit: int = 5) -> UnreadMessages:
    """The messages from referrers on the coordinator's referrals that no coordinator has read yet."""
    if not actor.is_coordinator:
        return UnreadMessages(0, [])
    mine = _referral_ids_for(actor.location_ids or {UUID(int=0)})
    unread = _unread_messages().where(ReferralMessage.referral_id.in_(mine))
    count = await db.scalar(select(func.count()).select_from(unread.subquery())) or 0
    if not count:
        return UnreadMessages(0, [])
    latest = func.max(ReferralMessage.at)
    grouped = (
        await db.execute(
            unread.with_only_columns(ReferralMessage.referral_id, func.count(), latest)
            .group_by(ReferralMessage.referral_id)
            .order_by(latest.desc())
            .limit(limit)
        )
    ).all()
    names = dict(
        (
            await db.execute(
                select(Referral.id, Child.given_name + " " + Child.family_name)
                .join(Child, Child.id == Referral.child_id)
                .where(Referral.id.in_([row[0] for row in grouped]))
            )
        ).all()
    )
    return UnreadMessages(count, [UnreadReferral(row[0], names.get(row[0], ""), row[1], row[2]) for row in grouped])


def _scope_for_lists(actor: Actor) -> Select[tuple[Referral]]:
    """The actor's referrals for a sorted page: for a coordinator the ids of their locations are gathered first.

    With plain ``id IN (...)`` PostgreSQL may walk all referrals in date order and test each one for the
    location, hoping to fill the page early (LIMIT); with a federation's referrals in the table that takes
    hundreds of milliseconds. A materialised list of the location's referrals keeps it to that location's rows.
    """
    if not actor.is_coordinator:
        return scoped_referrals(actor)
    mine = (
        select(ReferralLocation.referral_id)
        .where(ReferralLocation.location_id.in_(actor.location_ids or {UUID(int=0)}))
        .cte("my_referrals")
        .prefix_with("MATERIALIZED")
    )
    return select(Referral).where(Referral.id.in_(select(mine.c.referral_id)))


async def list_referrals(db: AsyncSession, actor: Actor, filters: InboxFilters) -> InboxPage:
    """A page of the referrals in scope: for a coordinator the oldest waiting first, for a referrer newest first."""
    _require_referral_role(actor)
    base = _scope_for_lists(actor)
    filtered = _apply_filters(base, filters)
    order = (Referral.submitted_at.asc() if actor.is_coordinator else Referral.submitted_at.desc(), Referral.id)
    page = max(filters.page, 1)
    size = filters.page_size
    # First the ids of the page (sorting ids and dates only, from an index), then those rows in full: sorting
    # whole rows of a large location's history would cost more than the page itself.
    page_ids = filtered.with_only_columns(Referral.id).order_by(*order).limit(size + 1).offset((page - 1) * size)
    # Plain columns: building 500 ORM referrals with their children (and collecting them afterwards) cost more
    # than every query of the page together (benchmarks/bench_referrals.py).
    found = [
        _listed(row)
        for row in await db.execute(
            select(*_LISTED_COLUMNS)
            .join(Child, Child.id == Referral.child_id)
            .where(Referral.id.in_(page_ids))
            .order_by(*order)
        )
    ]
    has_next = len(found) > size
    found = found[:size]
    counted = _apply_filters(
        base,
        InboxFilters(
            location_id=filters.location_id,
            source=filters.source,
            date_from=filters.date_from,
            date_to=filters.date_to,
            q=filters.q,
        ),
    )
    counts = await _count_by_status(db, counted)
    total = sum(counts.values())
    unread = await _unread_by_coordinators(db, [r.id for r in found]) if actor.is_coordinator else set()
    if not actor.is_coordinator:
        unread = await _unread_ids(db, actor, found)
    duplicates = await _duplicate_child_ids(db, [r.child for r in found]) if actor.is_coordinator else set()
    rows = [
        ReferralRow(
            referral=r, child_name=r.child.full_name, unread=r.id in unread, possible_duplicate=r.child.id in duplicates
        )
        for r in found
    ]
    note_access(db, "lijst van aanmeldingen", pairs=[(r.id, r.child.id) for r in found])
    return InboxPage(rows=rows, counts=counts, total=total, page=page, has_next=has_next, filters=filters)


async def _count_by_status(db: AsyncSession, query: Select[tuple[Referral]]) -> dict[str, int]:
    sub = query.with_only_columns(Referral.status).subquery()
    rows = await db.execute(select(sub.c.status, func.count()).group_by(sub.c.status))
    return {status: count for status, count in rows.all()}


# --- one referral: history, messages, reading ----------------------------------------------------


async def history(db: AsyncSession, referral: Referral) -> Sequence[ReferralEvent]:
    return (
        await db.scalars(
            select(ReferralEvent)
            .where(ReferralEvent.referral_id == referral.id)
            .order_by(ReferralEvent.at, ReferralEvent.id)
        )
    ).all()


async def messages(db: AsyncSession, referral: Referral) -> Sequence[ReferralMessage]:
    return (
        await db.scalars(
            select(ReferralMessage).where(ReferralMessage.referral_id == referral.id).order_by(ReferralMessage.at)
        )
    ).all()


async def mark_seen(db: AsyncSession, actor: Actor, referral: Referral) -> None:
    """One statement that inserts or updates: two tabs opening the dossier at once must not collide."""
    now = _now()
    insert = postgresql_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    await db.execute(
        insert(ReferralRead)
        .values(id=uuid4(), referral_id=referral.id, user_id=actor.id, seen_at=now)
        .on_conflict_do_update(index_elements=["user_id", "referral_id"], set_={"seen_at": now})
    )


def mails_nobody(actor: Actor | None, referral: Referral) -> bool:
    """A change made by the one who submitted the referral, when that is no referrer: nobody to mail about it."""
    return actor is not None and actor.id == referral.submitted_by_id and not actor.is_referrer


async def _notify_referrer(db: AsyncSession, settings: Settings, referral: Referral, actor: Actor) -> None:
    """Shows in the portal at once; by e-mail (without any child data) when the referrer asked for it."""
    referral.referrer_visible_change_at = _now()
    await mail_referrer(db, settings, referral, actor)


async def mail_referrer(db: AsyncSession, settings: Settings, referral: Referral, actor: Actor | None) -> None:
    """By e-mail (without any child data) to the referrer who submitted it, when they asked for it."""
    if mails_nobody(actor, referral):
        return
    submitter = (
        await db.execute(
            select(User.role, User.active, User.email_notifications, User.email).where(
                User.id == referral.submitted_by_id
            )
        )
    ).first()
    # Only a referrer follows a referral from outside: a coordinator who entered one (or imported a list) makes
    # the moves themselves and gets no mail about them.
    if submitter is not None and submitter.active and submitter.email_notifications and submitter.role == "referrer":
        url = f"{settings.base_url}/aanmeldingen/{referral.id}"
        enqueue(db, submitter.email, NOTICE_SUBJECT, NOTICE_BODY.format(url=url))


async def _notify_coordinators(
    db: AsyncSession, settings: Settings, actor: Actor, referral: Referral, subject: str, body: str, anchor: str = ""
) -> None:
    """By e-mail to the active coordinators of the referral's locations who asked for it (not to the one who acted)."""
    addresses = await db.scalars(
        select(User.email)
        .join(UserLocation, UserLocation.user_id == User.id)
        .where(
            UserLocation.location_id.in_(referral.location_ids),
            User.role == Role.COORDINATOR.value,
            User.active.is_(True),
            User.email_notifications.is_(True),
            User.id != actor.id,
        )
        .distinct()
    )
    url = f"{settings.base_url}/aanmeldingen/{referral.id}{anchor}"
    for address in addresses:
        enqueue(db, address, subject, body.format(url=url))


# --- moves ---------------------------------------------------------------------------------------


def apply_move(actor: Actor | None, referral: Referral, request: MoveRequest, now: datetime) -> ReferralEvent:
    """The move made on the loaded referral (status, when, what the referrer sees changed); returns its history
    entry, to add to the session."""
    event = ReferralEvent(
        referral_id=referral.id,
        at=now,
        actor_id=actor.id if actor else None,
        actor_label=_actor_label(actor) if actor else SYSTEM_LABEL,
        from_status=referral.status,
        to_status=request.to.value,
        reason_code=request.reason_code,
        reason=request.reason,
        explanation=request.explanation,
        planned_at=request.planned_at,
    )
    referral.status = request.to.value
    referral.status_changed_at = now
    if request.to is Status.INTAKE_PLANNED:
        referral.intake_planned_at = request.planned_at
    referral.referrer_visible_change_at = now
    return event


def build_move(
    actor: Actor, referral: Referral, request: MoveRequest, *, via_own_action: bool = False, now: datetime | None = None
) -> ReferralEvent:
    """The rules of a coordinator's move, and the move they allow, on the loaded referral (no I/O)."""
    if not actor.is_coordinator:
        raise Forbidden("Alleen een coördinator kan de status van een aanmelding veranderen.")
    now = now or _now()
    try:
        problems = rules.check_move(
            Status(referral.status),
            request,
            via_own_action=via_own_action,
            now=now,
            submitted_at=referral.submitted_at,
        )
    except MoveRefused as refused:
        raise Conflict(refused.message) from refused
    if problems:
        raise InvalidInput(problems)
    return apply_move(actor, referral, request, now)


async def _record_move(
    db: AsyncSession, actor: Actor | None, referral: Referral, request: MoveRequest, settings: Settings
) -> None:
    db.add(apply_move(actor, referral, request, _now()))
    await mail_referrer(db, settings, referral, actor)
    await db.flush()


async def move(
    db: AsyncSession,
    actor: Actor,
    settings: Settings,
    referral_id: UUID,
    request: MoveRequest,
    *,
    via_own_action: bool = False,
) -> Referral:
    """The coordinator moves a referral to a next status that the rules allow; each move is recorded."""
    referral = await get_referral(db, actor, referral_id, log_view=False)
    db.add(build_move(actor, referral, request, via_own_action=via_own_action))
    await mail_referrer(db, settings, referral, actor)
    await db.flush()
    return referral


async def withdraw(db: AsyncSession, actor: Actor, settings: Settings, referral_id: UUID) -> Referral:
    """The referrer who submitted it withdraws the referral, until the child is placed."""
    referral = await get_referral(db, actor, referral_id, log_view=False)
    if not actor.is_referrer:
        raise Forbidden("Alleen de verwijzer kan een aanmelding intrekken.")
    try:
        rules.check_withdrawal(Status(referral.status))
    except MoveRefused as refused:
        raise Conflict(refused.message) from refused
    if referral.status == Status.OFFERED.value:
        from huiskamer.placements.service import release_open_offers  # placements builds on referrals

        await release_open_offers(db, referral.id, "withdrawn")
    await _record_move(db, actor, referral, MoveRequest(to=Status.WITHDRAWN), settings)
    return referral


async def move_by_system(db: AsyncSession, settings: Settings, referral: Referral, request: MoveRequest) -> None:
    """A move the system makes by itself (an offer whose respond-by date passed); recorded like any other."""
    await _record_move(db, None, referral, request, settings)


async def add_message(
    db: AsyncSession, actor: Actor, settings: Settings, referral_id: UUID, text: str
) -> ReferralMessage:
    """A short message between the coordinator and the referrer who submitted it, shown to both."""
    referral = await get_referral(db, actor, referral_id, log_view=False)
    message = ReferralMessage(
        referral_id=referral.id,
        at=_now(),
        author_id=actor.id,
        author_name=actor.name,
        from_referrer=actor.is_referrer,
        text=text,
    )
    db.add(message)
    if actor.is_coordinator:
        await _notify_referrer(db, settings, referral, actor)
    else:
        await _notify_coordinators(db, settings, actor, referral, NEW_MESSAGE_SUBJECT, NEW_MESSAGE_BODY, "#berichten")
    await db.flush()
    return message


# --- possible duplicates -------------------------------------------------------------------------


async def possible_duplicates(db: AsyncSession, actor: Actor, referral: Referral) -> Sequence[Referral]:
    """Other referrals in the coordinator's scope for a child with the same name and date of birth."""
    if not actor.is_coordinator or referral.child.distinct_confirmed:
        return []
    same = select(Child.id).where(
        Child.match_key == referral.child.match_key,
        Child.date_of_birth == referral.child.date_of_birth,
        Child.id != referral.child_id,
        Child.distinct_confirmed.is_(False),
    )
    return (
        await db.scalars(scoped_referrals(actor).where(Referral.child_id.in_(same)).order_by(Referral.submitted_at))
    ).all()


async def link_to_child_of(db: AsyncSession, actor: Actor, referral_id: UUID, other_referral_id: UUID) -> Referral:
    """The coordinator confirms it is the same child: this referral now belongs to the other's child."""
    referral = await get_referral(db, actor, referral_id, log_view=False)
    other = await get_referral(db, actor, other_referral_id, log_view=False)
    if not actor.is_coordinator:
        raise Forbidden
    if other.child_id == referral.child_id:
        return referral
    if (other.child.match_key, other.child.date_of_birth) != (referral.child.match_key, referral.child.date_of_birth):
        raise Conflict("Alleen aanmeldingen met dezelfde naam en geboortedatum kunnen aan één kind worden gekoppeld.")
    orphan = referral.child_id
    referral.child_id = other.child_id
    referral.child = other.child
    await db.flush()
    still_used = await db.scalar(select(func.count()).select_from(Referral).where(Referral.child_id == orphan))
    if not still_used:
        await db.execute(delete(Child).where(Child.id == orphan))
    return referral


async def mark_distinct(db: AsyncSession, actor: Actor, referral_id: UUID) -> Referral:
    """The coordinator confirms these are different children who happen to share name and birthday."""
    referral = await get_referral(db, actor, referral_id, log_view=False)
    if not actor.is_coordinator:
        raise Forbidden
    referral.child.distinct_confirmed = True
    return referral


async def reject_as_duplicate(
    db: AsyncSession, actor: Actor, settings: Settings, referral_id: UUID, other_referral_id: UUID
) -> Referral:
    """The new referral is the same child referred again: link it to the known child and reject it."""
    referral = await link_to_child_of(db, actor, referral_id, other_referral_id)
    return await move(
        db,
        actor,
        settings,
        referral.id,
        MoveRequest(to=Status.REJECTED, reason_code="duplicate", reason="Dubbele aanmelding van een bekend kind."),
    )
