"""Finding a brother or sister at the intake, among the coordinator's children with an open referral.

Before anything is typed the likely ones are suggested: the same family name and the same address first, then the
same address, then the same family name. A referral holds no house number; "the same address" is the same postcode
(a street, or one side of it), or the same phone number or e-mail address of the parent. Typing searches every child
in scope by name or date of birth, exactly as the inbox does (``referrals.search``). The form still posts the chosen
referral ids (``sibling_1``, ``sibling_2``); a chosen child stays listed whatever the search shows, so the choice
survives a new search and a form that comes back with errors.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from sqlalchemy import ColumnElement, Select, func, or_
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.audit.access import note_access
from huiskamer.auth.actor import Actor
from huiskamer.referrals import rules, search
from huiskamer.referrals import service as referrals
from huiskamer.referrals.models import Child, Referral

MAX_SUGGESTIONS = 10
MAX_FOUND = 20
# A family's name or address shared by more open referrals than this is no hint any more (a flat's postcode):
# the suggestions are ranked among the first ones by name.
MAX_CANDIDATES = 200
OPEN_STATUSES = [status.value for status in rules.Status if status not in rules.TERMINAL]


@dataclass(frozen=True)
class SiblingChoice:
    referral_id: UUID
    name: str
    date_of_birth: date
    status: str
    same_family_name: bool = False
    same_address: bool = False

    @property
    def closeness(self) -> int:
        """0 for the same family name and address, 1 the same address, 2 the same family name, 3 neither."""
        if self.same_family_name and self.same_address:
            return 0
        return 1 if self.same_address else 2 if self.same_family_name else 3

    @property
    def reason(self) -> str:
        return ("zelfde achternaam en adres", "zelfde adres", "zelfde achternaam", "")[self.closeness]


@dataclass(frozen=True)
class SiblingPicker:
    query: str  # the search as typed; empty before typing
    listed: list[SiblingChoice]  # the suggestions, or what the search found, the closest first
    chosen: list[SiblingChoice] = field(default_factory=list)  # chosen and not among ``listed``
    more: bool = False  # the search found more children than it lists
    problem: str | None = None  # a search that is too long

    @property
    def searched(self) -> bool:
        return bool(self.query.strip()) and self.problem is None


def _in_scope(actor: Actor, referral: Referral) -> Select[tuple[Referral]]:
    """The other children's referrals the coordinator may link: at one of their locations (the scope's query)."""
    return referrals.scoped_referrals(actor).where(Referral.child_id != referral.child_id)


_COLUMNS = (
    Referral.id,
    Referral.child_id,
    Referral.status,
    Referral.guardian_phone,
    Referral.guardian_email,
    Child.given_name,
    Child.family_name,
    Child.date_of_birth,
    Child.postcode,
)


def _same_address(referral: Referral) -> list[ColumnElement[bool]]:
    """What a referral holds of an address, each only when known (an anonymised child has none)."""
    same: list[ColumnElement[bool]] = []
    if referral.child.postcode:
        same.append(Child.postcode == referral.child.postcode)
    if referral.guardian_phone:
        same.append(Referral.guardian_phone == referral.guardian_phone)
    if referral.guardian_email:
        same.append(func.lower(Referral.guardian_email) == referral.guardian_email.lower())
    return same


async def _read(
    db: AsyncSession, query: Select[tuple[Referral]], referral: Referral, limit: int
) -> tuple[list[SiblingChoice], list[tuple[UUID, UUID]]]:
    rows = await db.execute(
        query.with_only_columns(*_COLUMNS)
        .join(Child, Child.id == Referral.child_id)
        .order_by(Child.family_name, Child.given_name, Referral.id)
        .limit(limit)
    )
    family = search.normalise(referral.child.family_name)
    email = (referral.guardian_email or "").lower()
    choices: list[SiblingChoice] = []
    pairs: list[tuple[UUID, UUID]] = []
    for rid, child_id, status, phone, their_email, given, family_name, born, postcode in rows.all():
        same_address = bool(
            (postcode and postcode == referral.child.postcode)
            or (phone and phone == referral.guardian_phone)
            or (email and (their_email or "").lower() == email)
        )
        same_family = bool(family) and search.normalise(family_name) == family
        choices.append(SiblingChoice(rid, f"{given} {family_name}", born, status, same_family, same_address))
        pairs.append((rid, child_id))
    return choices, pairs


def _ids(values: Iterable[object]) -> list[UUID]:
    found: list[UUID] = []
    for value in values:
        try:
            found.append(UUID(str(value)))
        except ValueError:
            continue  # nonsense: the form says so when it is sent (the service finds no such referral)
    return found


async def sibling_picker(
    db: AsyncSession, actor: Actor, referral: Referral, typed: object, chosen: Sequence[object] = ()
) -> SiblingPicker:
    """The brothers and sisters to choose from for this referral's intake: the likely ones before anything is
    typed, else the children whose name (or date of birth) matches; the ones chosen already stay listed."""
    query, problem = search.read_query(typed)
    scope = _in_scope(actor, referral)
    shown: list[tuple[UUID, UUID]] = []
    if query:
        found, pairs = await _read(
            db,
            search.filter_referrals(scope.where(Referral.status.in_(OPEN_STATUSES)), search.parse(query)),
            referral,
            MAX_FOUND + 1,
        )
        more = len(found) > MAX_FOUND
        listed = sorted(found[:MAX_FOUND], key=lambda choice: choice.closeness)
        shown += pairs[:MAX_FOUND]
    else:
        likely = [search.has_family_name(referral.child.family_name), *_same_address(referral)]
        candidates, pairs = await _read(
            db, scope.where(Referral.status.in_(OPEN_STATUSES), or_(*likely)), referral, MAX_CANDIDATES
        )
        related = [(choice, pair) for choice, pair in zip(candidates, pairs, strict=True) if choice.closeness < 3]
        related.sort(key=lambda item: item[0].closeness)  # stable: by name within each
        listed, more = [choice for choice, _ in related[:MAX_SUGGESTIONS]], False
        shown += [pair for _, pair in related[:MAX_SUGGESTIONS]]
    listed_ids = {choice.referral_id for choice in listed}
    wanted = [rid for rid in dict.fromkeys(_ids(chosen)) if rid not in listed_ids]
    kept: list[SiblingChoice] = []
    if wanted:
        # Any status: a brother linked at an earlier intake whose own referral has closed since stays linked.
        kept, pairs = await _read(db, scope.where(Referral.id.in_(wanted)), referral, len(wanted))
        shown += pairs
    note_access(db, "broers en zussen bij de intake", pairs=shown)
    return SiblingPicker(query or (typed if isinstance(typed, str) else ""), listed, kept, more, problem)
