"""Reading the access log and a child's own history: for the coordinators of the child's locations and the
beheerder; never for a referrer or a kinderwerker. Reading them is itself recorded (the access log for a child's
log, the security log for the beheerder's searches)."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.audit.access import note_access
from huiskamer.audit.models import AccessLogEntry, AuditEvent
from huiskamer.audit.service import PAGE_SIZE, _escape_like, _read_day, _start_of_day
from huiskamer.auth import security_log
from huiskamer.auth.actor import Actor
from huiskamer.auth.models import ROLE_NAMES_NL, SecurityEventKind
from huiskamer.errors import NotFound
from huiskamer.referrals.models import Child, Referral
from huiskamer.referrals.service import scoped_referrals
from huiskamer.validation import FieldErrors, read_text


@dataclass(frozen=True)
class ChildInScope:
    referral_id: UUID
    child_id: UUID
    name: str
    date_of_birth: date


async def child_of(db: AsyncSession, actor: Actor, referral_id: UUID) -> ChildInScope:
    """The referral's child, for a coordinator of one of its locations or the beheerder; else it does not exist."""
    if actor.is_admin:
        query = select(Referral).where(Referral.id == referral_id)
    elif actor.is_coordinator:
        query = scoped_referrals(actor).where(Referral.id == referral_id)
    else:
        raise NotFound
    referral = await db.scalar(query)
    if referral is None:
        raise NotFound("Deze aanmelding bestaat niet, of u heeft er geen toegang toe.")
    child = referral.child
    return ChildInScope(referral.id, child.id, child.full_name, child.date_of_birth)


@dataclass(frozen=True)
class AccessPage:
    entries: Sequence[AccessLogEntry]
    page: int
    has_next: bool
    total: int


async def access_of_child(db: AsyncSession, child_id: UUID, *, page: int = 1, size: int = PAGE_SIZE) -> AccessPage:
    """Who read or changed this child's data, newest first."""
    page = max(page, 1)
    rows = (
        await db.scalars(
            select(AccessLogEntry)
            .where(AccessLogEntry.child_id == child_id)
            .order_by(AccessLogEntry.at.desc(), AccessLogEntry.seq.desc())
            .offset((page - 1) * size)
            .limit(size + 1)
        )
    ).all()
    total = await db.scalar(select(func.count()).where(AccessLogEntry.child_id == child_id)) or 0
    return AccessPage(rows[:size], page, len(rows) > size, int(total))


def role_name(role: str) -> str:
    return ROLE_NAMES_NL.get(role, role or "systeem")


# --- the child's own history (values shown, for its coordinators) -----------------------------------------------


async def history_of_child(db: AsyncSession, child_id: UUID, *, page: int = 1) -> tuple[Sequence[AuditEvent], bool]:
    """Every change of a row of this child's dossier, newest first."""
    page = max(page, 1)
    rows = (
        await db.scalars(
            select(AuditEvent)
            .where(AuditEvent.child_id == child_id)
            .order_by(AuditEvent.seq.desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE + 1)
        )
    ).all()
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


# --- the beheerder's search --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccessSearch:
    child_name: str = ""
    date_of_birth: date | None = None
    person: str = ""
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1

    def as_query(self, **changes: Any) -> dict[str, str]:
        values = {
            "kind": self.child_name,
            "geboortedatum": self.date_of_birth.isoformat() if self.date_of_birth else "",
            "persoon": self.person,
            "van": self.date_from.isoformat() if self.date_from else "",
            "tot": self.date_to.isoformat() if self.date_to else "",
            "pagina": str(self.page) if self.page > 1 else "",
        }
        values.update({key: str(value) for key, value in changes.items()})
        return {key: value for key, value in values.items() if value and not (key == "pagina" and value == "1")}

    @property
    def is_empty(self) -> bool:
        return not (self.child_name or self.date_of_birth or self.person or self.date_from or self.date_to)


def read_search(data: Mapping[str, Any]) -> tuple[AccessSearch, dict[str, str]]:
    errors = FieldErrors()
    child_name = read_text(data, "kind", errors, label="de naam van het kind", required=False, max_length=200)
    born = _read_day(data, "geboortedatum", errors, label="de geboortedatum", earliest_year=1990)
    person = read_text(data, "persoon", errors, label="een naam of e-mailadres", required=False, max_length=200)
    date_from = _read_day(data, "van", errors, label="de begindatum")
    date_to = _read_day(data, "tot", errors, label="de einddatum")
    if date_from and date_to and date_to < date_from:
        errors.add("tot", "De einddatum ligt voor de begindatum.")
    raw_page = data.get("pagina")
    page = int(raw_page) if isinstance(raw_page, str) and raw_page.isdigit() and 0 < int(raw_page) < 100_000 else 1
    search = AccessSearch(child_name or "", born, person or "", date_from, date_to, page)
    return search, errors.errors


@dataclass(frozen=True)
class FoundEntry:
    entry: AccessLogEntry
    child_name: str
    date_of_birth: date | None
    referral_id: UUID | None


async def search_access(db: AsyncSession, actor: Actor, search: AccessSearch) -> tuple[list[FoundEntry], bool]:
    """The beheerder's search of the access log, by child (name, date of birth), person and period; recorded."""
    if not actor.is_admin:
        raise NotFound
    await security_log.record(
        db,
        SecurityEventKind.AUDIT_READ,
        user_id=actor.id,
        email=actor.email,
        detail="toegangslog: " + (", ".join(f"{k} {v}" for k, v in search.as_query().items()) or "alles"),
    )
    statement = select(AccessLogEntry, Child.given_name, Child.family_name, Child.date_of_birth).outerjoin(
        Child, Child.id == AccessLogEntry.child_id
    )
    if search.child_name:
        for word in search.child_name.split():
            pattern = f"%{_escape_like(word.lower())}%"
            statement = statement.where(
                or_(
                    func.lower(Child.given_name).like(pattern, escape="\\"),
                    func.lower(Child.family_name).like(pattern, escape="\\"),
                )
            )
    if search.date_of_birth:
        statement = statement.where(Child.date_of_birth == search.date_of_birth)
    if search.person:
        matches = [AccessLogEntry.user_label.ilike(f"%{_escape_like(search.person)}%", escape="\\")]
        with contextlib.suppress(ValueError):
            matches.append(AccessLogEntry.user_id == UUID(search.person))
        statement = statement.where(or_(*matches))
    if search.date_from:
        statement = statement.where(AccessLogEntry.at >= _start_of_day(search.date_from))
    if search.date_to:
        statement = statement.where(AccessLogEntry.at < _start_of_day(search.date_to + timedelta(days=1)))
    statement = (
        statement.order_by(AccessLogEntry.at.desc(), AccessLogEntry.seq.desc())
        .offset((search.page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    )
    rows = (await db.execute(statement)).all()
    note_access(db, "toegangslog doorzocht", children={row[0].child_id for row in rows[:PAGE_SIZE]})
    referral_of = await _a_referral_of(db, {row[0].child_id for row in rows})
    found = [
        FoundEntry(entry, f"{given} {family}" if given else "(niet meer bekend)", born, referral_of.get(entry.child_id))
        for entry, given, family, born in rows[:PAGE_SIZE]
    ]
    return found, len(rows) > PAGE_SIZE


async def _a_referral_of(db: AsyncSession, child_ids: set[UUID]) -> dict[UUID, UUID]:
    """One referral per child (the latest), to link to the child's access log."""
    if not child_ids:
        return {}
    rows = await db.execute(
        select(Referral.child_id, Referral.id)
        .where(Referral.child_id.in_(child_ids))
        .order_by(Referral.child_id, Referral.submitted_at)
    )
    return dict(rows.all())
