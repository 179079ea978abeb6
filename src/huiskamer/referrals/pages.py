"""What the referral pages show, gathered in a few queries on top of the service.

The referrer's views are built from the allowed fields only (status, dates, messages and the child's given name
with an initial), so a template for the referrer cannot show what it was never given. The coordinator's dossier
holds everything. Also the choices of the referral form and the inbox filters as read from the query string.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.auth import service as auth_service
from huiskamer.auth.actor import Actor
from huiskamer.auth.models import Organisation, User
from huiskamer.locations import service as locations_service
from huiskamer.locations.models import Location
from huiskamer.referrals import outcome as referral_outcome
from huiskamer.referrals import rules, search, service
from huiskamer.referrals.models import Referral, ReferralEvent
from huiskamer.referrals.rules import MoveRefused, Status
from huiskamer.referrals.schemas import SOURCES
from huiskamer.site.templating import AMSTERDAM
from huiskamer.validation import WEEKDAY_NAMES_NL, WEEKDAYS, FieldErrors, format_phone, parse_date
from huiskamer.waitlist import age_on

WORKDAYS = WEEKDAYS[:5]


# Dutch family names start with particles ("de Jong", "van der Berg"): "Fenna de J." is how people abbreviate.
NAME_PARTICLES = frozenset(
    {
        "van",
        "de",
        "der",
        "den",
        "het",
        "'t",
        "ter",
        "ten",
        "te",
        "in",
        "op",
        "aan",
        "la",
        "le",
        "du",
        "da",
        "di",
        "del",
        "von",
        "zu",
        "el",
        "al",
    }
)


def child_label(given_name: str, family_name: str) -> str:
    """How the referrer recognises a referral: the given name and the family name's initial ("Fenna de J.")."""
    words = family_name.split()
    particles: list[str] = []
    while len(words) > 1 and words[0].lower() in NAME_PARTICLES:
        particles.append(words.pop(0))
    if not words:
        return given_name
    return " ".join([given_name, *particles, words[0][:1].upper() + "."])


def local_day(moment: datetime) -> date:
    return moment.astimezone(AMSTERDAM).date()


@dataclass(frozen=True)
class MessageItem:
    at: datetime
    text: str
    from_referrer: bool
    author: str | None  # None for the coordinator's messages in the referrer's view
    new: bool = False  # a referrer's message no coordinator had read when the dossier was opened


def _message_items(actor: Actor, notes: Sequence[Any], *, new_after: datetime | None = None) -> list[MessageItem]:
    if actor.is_referrer:
        return [MessageItem(m.at, m.text, m.from_referrer, None) for m in notes]
    return [
        MessageItem(
            m.at,
            m.text,
            m.from_referrer,
            m.author_name,
            new=m.from_referrer and (new_after is None or m.at > new_after),
        )
        for m in notes
    ]


async def message_thread(db: AsyncSession, actor: Actor, referral_id: UUID) -> list[MessageItem]:
    """The messages of a referral in scope, oldest first, as the actor may see them."""
    referral = await service.get_referral(db, actor, referral_id, log_view=False)
    return _message_items(actor, await service.messages(db, referral))


# --- the referrer's views ------------------------------------------------------------------------


@dataclass(frozen=True)
class PortalRow:
    id: UUID
    child: str
    status: str
    submitted_at: datetime
    last_change_at: datetime
    unread: bool


@dataclass(frozen=True)
class Portal:
    rows: list[PortalRow]
    counts: dict[str, int]
    total: int
    status: str | None
    page: int
    has_next: bool
    q: str | None = None  # the search, as the inbox's: every word in the child's name, or a date of birth

    def link(self, **changes: Any) -> str:
        """The start page with this status, search and page, changed as asked (a new filter starts at page 1)."""
        query = {"status": self.status or "", "zoek": self.q or "", **{key: str(v) for key, v in changes.items()}}
        shown = {key: value for key, value in query.items() if value and not (key == "pagina" and value == "1")}
        return "/?" + urlencode(shown) if shown else "/"


async def referrer_portal(
    db: AsyncSession, actor: Actor, status: str | None, page: int, q: str | None = None
) -> Portal:
    """The referrer's own referrals, newest first, with the unread marker; a search keeps those of the child."""
    if status not in {s.value for s in Status}:
        status = None
    found = await service.list_referrals(db, actor, service.InboxFilters(status=status, page=page, q=q))
    rows = [
        PortalRow(
            id=row.referral.id,
            child=child_label(row.referral.child.given_name, row.referral.child.family_name),
            status=row.referral.status,
            submitted_at=row.referral.submitted_at,
            last_change_at=row.referral.referrer_visible_change_at,
            unread=row.unread,
        )
        for row in found.rows
    ]
    return Portal(rows, found.counts, found.total, status, found.page, found.has_next, q)


@dataclass(frozen=True)
class TimelineEntry:
    status: str
    day: date


@dataclass(frozen=True)
class ReferrerView:
    id: UUID
    child: str
    status: str
    submitted_at: datetime
    timeline: list[TimelineEntry]
    messages: list[MessageItem]
    can_withdraw: bool
    referral: Referral | None = None  # what they submitted, shown read only
    preferred_locations: list[referral_outcome.SubmittedLocation] = field(default_factory=list)
    outcome: referral_outcome.Outcome | None = None
    placed_at: referral_outcome.PlacedAt | None = None
    guardian_phone: str = ""


def _can_withdraw(status: str) -> bool:
    try:
        rules.check_withdrawal(Status(status))
    except MoveRefused:
        return False
    return True


def _timeline(events: Sequence[ReferralEvent]) -> list[TimelineEntry]:
    """Each status once, with the day it was reached; a rescheduled intake is not news for the referrer."""
    entries: list[TimelineEntry] = []
    for event in events:
        if entries and entries[-1].status == event.to_status:
            continue
        entries.append(TimelineEntry(event.to_status, local_day(event.at)))
    return entries


async def open_for_referrer(db: AsyncSession, actor: Actor, referral_id: UUID) -> ReferrerView:
    """The referrer's page of their own referral; opening it marks every change and message as seen."""
    referral = await service.get_referral(db, actor, referral_id)
    view = ReferrerView(
        id=referral.id,
        child=child_label(referral.child.given_name, referral.child.family_name),
        status=referral.status,
        submitted_at=referral.submitted_at,
        timeline=_timeline(await service.history(db, referral)),
        messages=_message_items(actor, await service.messages(db, referral)),
        can_withdraw=_can_withdraw(referral.status),
        referral=referral,
        preferred_locations=await referral_outcome.preferred_locations(db, referral),
        outcome=await referral_outcome.outcome(db, referral),
        placed_at=await referral_outcome.placed_at(db, referral),
        guardian_phone=format_phone(referral.guardian_phone),
    )
    await service.mark_seen(db, actor, referral)
    return view


@dataclass(frozen=True)
class Submitted:
    id: UUID
    child: str
    by_referrer: bool


async def submitted(db: AsyncSession, actor: Actor, referral_id: UUID) -> Submitted:
    """What the confirmation page after submitting needs: which child, nothing more."""
    referral = await service.get_referral(db, actor, referral_id, log_view=False)
    return Submitted(referral.id, child_label(referral.child.given_name, referral.child.family_name), actor.is_referrer)


# --- the coordinator's dossier -------------------------------------------------------------------


@dataclass
class Dossier:
    referral: Referral
    age: int
    days_since_submitted: int
    guardian_phone: str
    location_names: list[str]
    organisation: Organisation | None
    submitter: User | None
    history: Sequence[ReferralEvent]
    messages: list[MessageItem]
    actions: list[Status]
    duplicates: Sequence[Referral]
    same_child: Sequence[Referral]


async def _location_names(db: AsyncSession, ids: Sequence[UUID]) -> list[str]:
    if not ids:
        return []
    names = dict((await db.execute(select(Location.id, Location.name).where(Location.id.in_(ids)))).all())
    return [names[i] for i in ids if i in names]


async def open_dossier(db: AsyncSession, actor: Actor, referral_id: UUID, today: date) -> Dossier:
    """The whole referral for a coordinator of one of its locations (the view is logged by the service)."""
    referral = await service.get_referral(db, actor, referral_id)
    same_child = (
        await db.scalars(
            service.scoped_referrals(actor)
            .where(Referral.child_id == referral.child_id, Referral.id != referral.id)
            .order_by(Referral.submitted_at)
        )
    ).all()
    dossier = Dossier(
        referral=referral,
        age=age_on(referral.child.date_of_birth, today),
        days_since_submitted=(today - local_day(referral.submitted_at)).days,
        guardian_phone=format_phone(referral.guardian_phone),
        location_names=await _location_names(db, referral.location_ids),
        organisation=await db.get(Organisation, referral.organisation_id) if referral.organisation_id else None,
        submitter=await db.get(User, referral.submitted_by_id),
        history=await service.history(db, referral),
        messages=_message_items(
            actor, await service.messages(db, referral), new_after=await service.coordinators_seen_at(db, referral)
        ),
        actions=rules.coordinator_actions(Status(referral.status)),
        duplicates=await service.possible_duplicates(db, actor, referral),
        same_child=same_child,
    )
    await service.mark_seen(db, actor, referral)
    return dossier


# --- the referral form ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FormChoices:
    locations: list[tuple[str, str]]  # (id, label)
    neighbourhoods: list[str]
    weekdays: list[tuple[str, str]]  # (code, Dutch name)
    default_source: str | None
    sources: list[tuple[str, str]] = field(default_factory=lambda: list(SOURCES.items()))


async def form_choices(db: AsyncSession, actor: Actor) -> FormChoices:
    """The locations to choose from (a coordinator: their own), their neighbourhoods, and the weekdays on which
    any of them has seats (Monday to Friday always)."""
    locations = [loc for loc in await locations_service.list_locations(db, actor) if loc.active]
    neighbourhoods = sorted({n for loc in locations for n in loc.neighbourhoods}, key=str.lower)
    open_days = {day for loc in locations for day, seats in loc.capacity_by_weekday().items() if seats > 0}
    weekdays = [(day, WEEKDAY_NAMES_NL[day]) for day in WEEKDAYS if day in WORKDAYS or day in open_days]
    labels = [
        (str(loc.id), f"{loc.name} ({', '.join(loc.neighbourhoods)})" if loc.neighbourhoods else loc.name)
        for loc in locations
    ]
    organisation = await auth_service.organisation_of(db, actor) if actor.is_referrer else None
    return FormChoices(labels, neighbourhoods, weekdays, organisation.type if organisation else None)


# --- the inbox filters ---------------------------------------------------------------------------


def read_page(value: str | None) -> int:
    """A page number from the query string; anything else is the first page."""
    return int(value) if value and re.fullmatch(r"[1-9][0-9]{0,4}", value) else 1


INBOX_QUERY = ("zoek", "status", "locatie", "bron", "van", "tot", "pagina")
OPEN = "open"


def read_inbox_filters(raw: Mapping[str, str | None], actor: Actor) -> tuple[service.InboxFilters, dict[str, str]]:
    """The inbox filters from the query string; a wrong value gets a message and is left out of the search.
    Without a status the inbox shows the open referrals."""
    errors = FieldErrors()
    status = raw.get("status")
    if status is None:
        status = OPEN
    elif status in ("", "alle"):
        status = None
    elif status != OPEN and status not in {s.value for s in Status}:
        errors.add("status", "Kies een status uit de lijst.")
        status = OPEN
    location_id = None
    if raw.get("locatie"):
        try:
            location_id = UUID(str(raw["locatie"]))
        except ValueError:
            location_id = None
        if location_id not in actor.location_ids:
            errors.add("locatie", "Kies een van uw eigen locaties.")
            location_id = None
    source = raw.get("bron") or None
    if source is not None and source not in SOURCES:
        errors.add("bron", "Kies een bron uit de lijst.")
        source = None
    days: dict[str, date | None] = {}
    for name, label in (("van", "De begindatum"), ("tot", "De einddatum")):
        days[name] = parse_date(raw.get(name)) if raw.get(name) else None
        if raw.get(name) and days[name] is None:
            errors.add(name, f"{label} is geen geldige datum. Gebruik bijvoorbeeld 2026-09-01.")
    if days["van"] and days["tot"] and days["van"] > days["tot"]:
        errors.add("tot", "De einddatum ligt voor de begindatum.")
        days["tot"] = None
    page = read_page(raw.get("pagina"))
    q, too_long = search.read_query(raw.get("zoek"))
    if too_long:
        errors.add("zoek", too_long)
    filters = service.InboxFilters(
        status=status,
        location_id=location_id,
        source=source,
        date_from=days["van"],
        date_to=days["tot"],
        q=q,
        page=page,
    )
    return filters, errors.errors


@dataclass(frozen=True)
class InboxRow:
    id: UUID
    child: str
    age: int
    neighbourhood: str | None
    source: str
    submitted_at: datetime
    days_waiting: int | None  # None once the referral is closed, rejected or withdrawn
    status: str
    possible_duplicate: bool
    new_message: bool = False  # a referrer's message no coordinator has read


def inbox_rows(result: service.InboxPage, today: date) -> list[InboxRow]:
    """The inbox's rows with what the coordinator reads at a glance: age today, and for a referral still waiting for
    the coordinator the days since it was submitted (after the intake the waitlist counts the waiting)."""
    return [
        InboxRow(
            id=row.referral.id,
            child=row.child_name,
            age=age_on(row.referral.child.date_of_birth, today),
            neighbourhood=row.referral.child.neighbourhood,
            source=SOURCES.get(row.referral.source, row.referral.source),
            submitted_at=row.referral.submitted_at,
            days_waiting=(today - local_day(row.referral.submitted_at)).days
            if Status(row.referral.status) in rules.AWAITING_COORDINATOR
            else None,
            status=row.referral.status,
            possible_duplicate=row.possible_duplicate,
            new_message=row.unread,
        )
        for row in result.rows
    ]
