"""Use cases for the beheerder's user administration: create (with an invitation by e-mail), change, turn off and
on again; users are never deleted.

Two rules guard the organisation against locking itself out: a beheerder cannot turn off or demote their own
account, and the last active beheerder cannot be turned off or demoted by anyone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.auth import security_log
from huiskamer.auth.actor import Actor
from huiskamer.auth.invitation_mail import queue_invitation
from huiskamer.auth.models import (
    ORGANISATION_TYPES_NL,
    Invitation,
    Organisation,
    Role,
    SecurityEventKind,
    User,
    UserLocation,
    UserSession,
)
from huiskamer.auth.secrets import hash_password_off_loop, password_problem
from huiskamer.auth.service import create_invitation, end_all_sessions_and_tokens, invitation_url
from huiskamer.config import Settings
from huiskamer.errors import BUSY, Conflict, Forbidden, InvalidInput, NotFound
from huiskamer.locations.models import Location
from huiskamer.validation import FieldErrors, as_list, as_object, read_bool, read_choice, read_email, read_text

ROLES = tuple(role.value for role in Role)
STAFF_ROLES = (Role.COORDINATOR.value, Role.YOUTH_WORKER.value)
MAX_LOCATIONS = 200
DUPLICATE_EMAIL = "Er is al een gebruiker met dit e-mailadres."
NOT_SELF_OFF = "U kunt uw eigen account niet uitzetten. Vraag dat een andere beheerder."
NOT_SELF_DEMOTE = "U kunt uw eigen rol van beheerder niet afnemen. Vraag dat een andere beheerder."
LAST_ADMIN_OFF = (
    "Dit is de laatste actieve beheerder: zonder beheerder kan niemand de organisatie nog inrichten. "
    "Maak eerst een andere gebruiker beheerder."
)
LAST_ADMIN_DEMOTE = (
    "Dit is de laatste actieve beheerder: geef eerst een andere gebruiker de rol van beheerder, "
    "daarna kunt u deze rol wijzigen."
)
UNKNOWN_LOCATION = "Een gekozen locatie bestaat niet."
NEEDS_LOCATION = "Kies minstens één locatie voor een coördinator of kinderwerker."
NO_LOCATION_FOR_ROLE = "Alleen coördinatoren en kinderwerkers horen bij een locatie."
NEEDS_ORGANISATION_NAME = "Een verwijzer hoort bij een organisatie: vul de naam in."
NEEDS_ORGANISATION_TYPE = "Kies de soort organisatie van de verwijzer."
INVITATION_FLASH = "invitation"


class UserConflict(Conflict):
    """A conflict that belongs to a field of the form: the e-mail address, the role or 'active' (``errors`` has
    every such conflict found in one round, ``field`` and the message the first)."""

    def __init__(self, message: str, field: str, errors: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.errors = dict(errors or {field: message})


@dataclass(frozen=True)
class UserInput:
    email: str | None = None
    name: str | None = None
    role: str | None = None
    location_ids: tuple[UUID, ...] | None = None
    organisation_name: str | None = None
    organisation_type: str | None = None
    active: bool | None = None


@dataclass(frozen=True)
class NewInvitation:
    url: str
    expires_at: datetime
    sent_to: str | None = None  # the address the invitation was mailed to (through the outbox)


# --- reading input -----------------------------------------------------------------------------


def _read_location_ids(data: Mapping[str, Any], errors: FieldErrors) -> tuple[UUID, ...] | None:
    if "location_ids" not in data:
        return None
    items = as_list(data.get("location_ids"))
    if items is None:
        errors.add("location_ids", "Kies de locaties uit de lijst.")
        return None
    ids: list[UUID] = []
    for item in items:
        if not isinstance(item, str):
            errors.add("location_ids", "Kies de locaties uit de lijst.")
            return None
        try:
            ids.append(UUID(item))
        except ValueError:
            errors.add("location_ids", UNKNOWN_LOCATION)
            return None
    unique = tuple(dict.fromkeys(ids))
    if len(unique) > MAX_LOCATIONS:
        errors.add("location_ids", f"Kies hoogstens {MAX_LOCATIONS} locaties.")
        return None
    return unique


def _read_organisation(data: Mapping[str, Any], errors: FieldErrors) -> tuple[str | None, str | None]:
    organisation = data.get("organisation")
    if organisation is not None and not isinstance(organisation, Mapping):
        errors.add("organisation", "Geef de organisatie op met een naam en een soort.")
        return None, None
    name = read_text(
        data, "organisation.name", errors, label="de naam van de organisatie", required=False, max_length=160
    )
    kind = read_choice(
        data, "organisation.type", errors, label="de soort organisatie", choices=ORGANISATION_TYPES_NL, required=False
    )
    return name, kind


def _read_active(data: Mapping[str, Any], errors: FieldErrors) -> bool | None:
    if "active" not in data:
        return None
    if data["active"] is None:
        # ``null`` must not quietly mean "active": say what is expected.
        errors.add("active", "Actief moet ja of nee zijn (true of false).")
        return None
    return read_bool(data, "active", errors, label="actief", default=True)


def _read_user_input(data: Mapping[str, Any], errors: FieldErrors, *, creating: bool) -> UserInput:
    """The fields as typed: every message goes to ``errors``; a field with a message is None."""
    email = read_email(data, "email", errors) if creating or "email" in data else None
    name = read_text(data, "name", errors, label="een naam", max_length=160) if creating or "name" in data else None
    role = read_choice(data, "role", errors, label="een rol", choices=ROLES) if creating or "role" in data else None
    location_ids = _read_location_ids(data, errors)
    organisation_name, organisation_type = _read_organisation(data, errors)
    active = _read_active(data, errors)
    if creating and role is not None:
        # Said now, together with every other message, rather than one round trip later.
        if role == Role.REFERRER.value:
            if not organisation_name:
                errors.add("organisation.name", NEEDS_ORGANISATION_NAME)
            if not organisation_type:
                errors.add("organisation.type", NEEDS_ORGANISATION_TYPE)
        if location_ids is not None:
            if role in STAFF_ROLES and not location_ids:
                errors.add("location_ids", NEEDS_LOCATION)
            if role not in STAFF_ROLES and location_ids:
                errors.add("location_ids", NO_LOCATION_FOR_ROLE)
        elif role in STAFF_ROLES and "location_ids" not in errors.errors:
            errors.add("location_ids", NEEDS_LOCATION)
    return UserInput(
        email=email,
        name=name,
        role=role,
        location_ids=location_ids,
        organisation_name=organisation_name,
        organisation_type=organisation_type,
        active=active,
    )


def parse_user_input(data: Any, *, creating: bool) -> UserInput:
    """Validates a new user (everything required) or a change (only the fields that are sent); the command line's
    check, which knows no database. The web and the API use ``check_user_input``."""
    data = as_object(data)
    errors = FieldErrors()
    parsed = _read_user_input(data, errors, creating=creating)
    errors.raise_if_any()
    return parsed


def _check_change_fits(user: User, data: UserInput, errors: FieldErrors) -> None:
    """The role after a change against its locations and organisation, as ``update_user`` will apply it."""
    if "role" in errors.errors:
        return  # an unknown role: its locations and organisation cannot be judged
    role = data.role or user.role
    if role in STAFF_ROLES and "location_ids" not in errors.errors:
        location_ids = user.location_ids if data.location_ids is None else data.location_ids
        if not location_ids:
            errors.add("location_ids", NEEDS_LOCATION)
    if role == Role.REFERRER.value and "organisation" not in errors.errors:
        given_name, given_type = data.organisation_name, data.organisation_type
        if not given_name and not given_type:
            if user.organisation is None:
                errors.add("organisation.name", NEEDS_ORGANISATION_NAME)
                errors.add("organisation.type", NEEDS_ORGANISATION_TYPE)
        else:
            if not given_name and "organisation.name" not in errors.errors:
                errors.add("organisation.name", NEEDS_ORGANISATION_NAME)
            if not given_type and "organisation.type" not in errors.errors:
                errors.add("organisation.type", NEEDS_ORGANISATION_TYPE)


async def check_user_input(db: AsyncSession, actor: Actor, raw: Any, *, user_id: UUID | None = None) -> UserInput:
    """Every message about a new user (no ``user_id``) or a change, in one round: the fields as typed and what only
    the database knows (a taken e-mail, an unknown location, a role without its locations or organisation, the
    beheerder's own account, the last beheerder). A conflict raises UserConflict (409, as a taken e-mail always
    answered) that carries every other message too; otherwise bad input raises InvalidInput with all of them."""
    _require_admin(actor)
    user = await get_user(db, actor, user_id) if user_id is not None else None
    data = as_object(raw)
    errors = FieldErrors()
    conflicts = FieldErrors()
    parsed = _read_user_input(data, errors, creating=user is None)
    changes_email = parsed.email is not None and (user is None or parsed.email != user.email)
    if changes_email and await _email_taken(db, parsed.email or ""):
        conflicts.add("email", DUPLICATE_EMAIL)
    if parsed.location_ids and not await _locations_exist(db, parsed.location_ids):
        errors.add("location_ids", UNKNOWN_LOCATION)
    if user is not None:
        _check_change_fits(user, parsed, errors)
        for field, message in (await _lock_out_problems(db, actor, user, parsed)).items():
            conflicts.add(field, message)
    if conflicts:
        field, message = next(iter(conflicts.errors.items()))
        raise UserConflict(message, field, {**conflicts.errors, **errors.errors})
    errors.raise_if_any()
    return parsed


# --- helpers -----------------------------------------------------------------------------------


def _require_admin(actor: Actor | None) -> None:
    # None: the command line, run by whoever operates the server.
    if actor is not None and not actor.is_admin:
        raise Forbidden("Alleen de beheerder kan gebruikers beheren.")


async def _locations_exist(db: AsyncSession, location_ids: Sequence[UUID]) -> bool:
    found = set((await db.scalars(select(Location.id).where(Location.id.in_(location_ids)))).all())
    return len(found) == len(set(location_ids))


async def _checked_locations(db: AsyncSession, location_ids: Sequence[UUID]) -> list[UUID]:
    if not location_ids:
        return []
    if not await _locations_exist(db, location_ids):
        raise InvalidInput({"location_ids": UNKNOWN_LOCATION})
    return list(location_ids)


async def _organisation(db: AsyncSession, name: str, kind: str) -> Organisation:
    existing = await db.scalar(select(Organisation).where(Organisation.name == name, Organisation.type == kind))
    if existing is not None:
        return existing
    organisation = Organisation(name=name, type=kind)
    db.add(organisation)
    await db.flush()
    return organisation


def _check_role_fits(role: str, location_ids: Sequence[UUID], has_organisation: bool) -> None:
    errors = FieldErrors()
    if role in STAFF_ROLES and not location_ids:
        errors.add("location_ids", NEEDS_LOCATION)
    if role not in STAFF_ROLES and location_ids:
        errors.add("location_ids", NO_LOCATION_FOR_ROLE)
    if role == Role.REFERRER.value and not has_organisation:
        errors.add("organisation.name", NEEDS_ORGANISATION_NAME)
    errors.raise_if_any()


async def _email_taken(db: AsyncSession, email: str) -> bool:
    return bool(await db.scalar(select(func.count()).select_from(User).where(User.email == email)))


async def _flush_unique_email(db: AsyncSession) -> None:
    # Two beheerders may create the same e-mail at the same moment: the unique index decides.
    try:
        await db.flush()
    except IntegrityError as error:
        raise UserConflict(DUPLICATE_EMAIL, "email") from error


# --- use cases ---------------------------------------------------------------------------------


async def create_user(db: AsyncSession, actor: Actor | None, data: UserInput, *, password: str | None = None) -> User:
    """A new user; without a password they set one through an invitation link. Duplicate e-mail: Conflict."""
    _require_admin(actor)
    assert data.email and data.name and data.role
    if await _email_taken(db, data.email):
        raise UserConflict(DUPLICATE_EMAIL, "email")
    location_ids = await _checked_locations(db, data.location_ids or ())
    organisation = None
    if data.role == Role.REFERRER.value and data.organisation_name and data.organisation_type:
        organisation = await _organisation(db, data.organisation_name, data.organisation_type)
    _check_role_fits(data.role, location_ids, organisation is not None)
    if password is not None and (problem := password_problem(password, email=data.email, name=data.name)):
        raise InvalidInput({"password": problem})
    user = User(
        email=data.email,
        name=data.name,
        role=data.role,
        organisation=organisation,
        password_hash=await hash_password_off_loop(password) if password else None,
        active=True if data.active is None else data.active,
    )
    user.location_links = [UserLocation(location_id=location_id) for location_id in location_ids]
    db.add(user)
    await _flush_unique_email(db)
    return user


async def get_user(db: AsyncSession, actor: Actor, user_id: UUID) -> User:
    """One user, for the beheerder; an unknown id is NotFound."""
    _require_admin(actor)
    user = await db.get(User, user_id)
    if user is None:
        raise NotFound("Deze gebruiker bestaat niet.")
    return user


def _filtered(statement: Any, *, query: str, role: str, active: bool | None) -> Any:
    query = " ".join(query.split())[:100].lower()
    if query:
        statement = statement.where(
            func.lower(User.name).contains(query, autoescape=True)
            | func.lower(User.email).contains(query, autoescape=True)
        )
    if role in ROLES:
        statement = statement.where(User.role == role)
    if active is not None:
        statement = statement.where(User.active.is_(active))
    return statement


async def list_users(
    db: AsyncSession,
    actor: Actor,
    *,
    query: str = "",
    role: str = "",
    active: bool | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> Sequence[User]:
    """Users matching a search text (name or e-mail), a role and active or not: active ones first, by name."""
    _require_admin(actor)
    statement = _filtered(
        select(User).order_by(User.active.desc(), User.name, User.id), query=query, role=role, active=active
    )
    if limit is not None:
        statement = statement.limit(limit).offset(max(offset, 0))
    return (await db.scalars(statement)).unique().all()


async def count_users(
    db: AsyncSession, actor: Actor, *, query: str = "", role: str = "", active: bool | None = None
) -> int:
    """How many users ``list_users`` finds without a limit."""
    _require_admin(actor)
    statement = _filtered(select(func.count()).select_from(User), query=query, role=role, active=active)
    return int(await db.scalar(statement) or 0)


async def list_organisations(db: AsyncSession, actor: Actor) -> Sequence[Organisation]:
    """The referring organisations known so far, to pick from when adding a referrer."""
    _require_admin(actor)
    return (await db.scalars(select(Organisation).order_by(Organisation.name, Organisation.type))).all()


async def _other_active_admins(db: AsyncSession, user_id: UUID, *, lock: bool = True) -> int:
    """How many active beheerders there are besides this user.

    PostgreSQL: their rows are locked until the transaction ends, so two beheerders who turn each other off at
    the same moment cannot both succeed (the second one sees the first one's change). SQLite lets one writer in
    at a time; a writer that read before another one committed fails at its write (``deactivate_user``)."""
    query = select(User.id).where(User.role == Role.ADMIN.value, User.active.is_(True), User.id != user_id)
    if lock and db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return len((await db.scalars(query)).all())


async def _lock_out_problems(
    db: AsyncSession, actor: Actor | None, user: User, data: UserInput, *, lock: bool = True
) -> dict[str, str]:
    """What this change would do wrong to the beheerders: turn off or demote oneself, or the last active one
    (``lock``: for a change about to be made; a page that only asks needs no lock)."""
    problems: dict[str, str] = {}
    demoting = user.role == Role.ADMIN.value and data.role is not None and data.role != Role.ADMIN.value
    switching_off = data.active is False and user.active
    if actor is not None and user.id == actor.id:
        if demoting:
            problems["role"] = NOT_SELF_DEMOTE
        if switching_off:
            problems["active"] = NOT_SELF_OFF
    elif (
        user.role == Role.ADMIN.value
        and user.active
        and (demoting or switching_off)
        and not await _other_active_admins(db, user.id, lock=lock)
    ):
        problems["role" if demoting else "active"] = LAST_ADMIN_DEMOTE if demoting else LAST_ADMIN_OFF
    return problems


async def deactivation_problem(db: AsyncSession, actor: Actor, user: User) -> str | None:
    """Why this account cannot be turned off (one's own, the last beheerder), to say before anyone confirms."""
    problems = await _lock_out_problems(db, actor, user, UserInput(active=False), lock=False)
    return next(iter(problems.values()), None)


async def _refuse_lock_out(db: AsyncSession, actor: Actor | None, user: User, data: UserInput) -> None:
    problems = await _lock_out_problems(db, actor, user, data)
    if problems:
        field, message = next(iter(problems.items()))
        raise UserConflict(message, field, problems)


def _who(actor: Actor | None) -> str:
    return f"door {actor.name}" if actor is not None else "via de opdrachtregel"


async def _switch_off(db: AsyncSession, actor: Actor | None, user: User, address: str | None) -> None:
    user.active = False
    await end_all_sessions_and_tokens(db, user.id, why="account uitgeschakeld")
    await _end_open_invitations(db, user.id)
    kind = SecurityEventKind.ACCOUNT_DEACTIVATED
    await security_log.record(db, kind, user_id=user.id, email=user.email, address=address, detail=_who(actor))


async def _switch_on(db: AsyncSession, actor: Actor | None, user: User, address: str | None) -> None:
    user.active = True
    kind = SecurityEventKind.ACCOUNT_REACTIVATED
    await security_log.record(db, kind, user_id=user.id, email=user.email, address=address, detail=_who(actor))


async def deactivate_user(db: AsyncSession, actor: Actor, user_id: UUID, *, address: str | None = None) -> User:
    """Turns an account off: its sessions, API tokens and open invitation links end at once; never one's own
    account, never the last active beheerder."""
    user = await get_user(db, actor, user_id)
    if not user.active:
        raise Conflict(f"Het account van {user.name} staat al uit.")
    await _refuse_lock_out(db, actor, user, UserInput(active=False))
    try:
        await _switch_off(db, actor, user, address)
        await db.flush()
    except OperationalError as error:  # SQLite: another beheerder wrote first; try again, never a 500
        await db.rollback()
        raise Conflict(BUSY) from error
    return user


async def reactivate_user(db: AsyncSession, actor: Actor, user_id: UUID, *, address: str | None = None) -> User:
    """Turns an account on again: a password chosen before works again; old sessions, tokens and links do not."""
    user = await get_user(db, actor, user_id)
    if user.active:
        raise Conflict(f"Het account van {user.name} staat al aan.")
    await _switch_on(db, actor, user, address)
    await db.flush()
    return user


async def _new_organisation(db: AsyncSession, user: User, data: UserInput) -> Organisation | None:
    """The organisation after this change: a referrer keeps theirs unless a complete new one is given."""
    if user.role != Role.REFERRER.value:
        return None
    if not data.organisation_name and not data.organisation_type:
        return user.organisation
    errors = FieldErrors()
    if not data.organisation_name:
        errors.add("organisation.name", NEEDS_ORGANISATION_NAME)
    if not data.organisation_type:
        errors.add("organisation.type", NEEDS_ORGANISATION_TYPE)
    errors.raise_if_any()
    assert data.organisation_name and data.organisation_type
    return await _organisation(db, data.organisation_name, data.organisation_type)


async def _end_open_invitations(db: AsyncSession, user_id: UUID) -> None:
    # A link sent before the account was turned off must not come back to life when it is turned on again.
    now = datetime.now(UTC)
    await db.execute(
        update(Invitation)
        .where(Invitation.user_id == user_id, Invitation.used_at.is_(None), Invitation.expires_at > now)
        .values(expires_at=now)
    )


async def update_user(
    db: AsyncSession, actor: Actor, user_id: UUID, data: UserInput, *, address: str | None = None
) -> User:
    """Changes name, role, locations, organisation or active; turning off is ``deactivate_user``'s rule."""
    user = await get_user(db, actor, user_id)
    await _refuse_lock_out(db, actor, user, data)
    if data.email is not None and data.email != user.email:
        if await _email_taken(db, data.email):
            raise UserConflict(DUPLICATE_EMAIL, "email")
        user.email = data.email
    if data.name is not None:
        user.name = data.name
    if data.role is not None:
        user.role = data.role
    organisation = await _new_organisation(db, user, data)
    location_ids = (
        list(user.location_ids) if data.location_ids is None else await _checked_locations(db, data.location_ids)
    )
    if user.role not in STAFF_ROLES:
        location_ids = []
    _check_role_fits(user.role, location_ids, organisation is not None)
    user.organisation = organisation
    if set(location_ids) != set(user.location_ids):
        keep = [link for link in user.location_links if link.location_id in location_ids]
        kept = {link.location_id for link in keep}
        added = [UserLocation(location_id=i) for i in location_ids if i not in kept]
        user.location_links = keep + added
    if data.active is not None and data.active != user.active:
        if data.active:
            await _switch_on(db, actor, user, address)
        else:
            await _switch_off(db, actor, user, address)
    await _flush_unique_email(db)
    return user


async def invite_user(db: AsyncSession, actor: Actor, settings: Settings, user_id: UUID) -> NewInvitation:
    """A new one-time link for an active user to set a password, mailed to them through the outbox (and returned,
    to copy); earlier links stop working."""
    user = await get_user(db, actor, user_id)
    if not user.active:
        raise Conflict("Dit account staat uit. Zet het eerst weer aan; daarna kunt u een uitnodigingslink maken.")
    raw = await create_invitation(db, settings, user)
    expires_at = await open_invitation_until(db, actor, user.id)
    assert expires_at is not None
    url = invitation_url(settings, raw)
    sent_to = queue_invitation(db, settings, user, url, expires_at)
    return NewInvitation(url=url, expires_at=expires_at, sent_to=sent_to)


async def open_invitation_until(db: AsyncSession, actor: Actor, user_id: UUID) -> datetime | None:
    """Until when the user's unused invitation link works, or None when there is none."""
    _require_admin(actor)
    return await db.scalar(
        select(func.max(Invitation.expires_at)).where(
            Invitation.user_id == user_id, Invitation.used_at.is_(None), Invitation.expires_at > datetime.now(UTC)
        )
    )


async def hand_over_invitation(
    db: AsyncSession, session_id: UUID | None, user: User, sealed_url: str, message: str
) -> None:
    """Keeps a fresh (sealed) invitation link for the beheerder's next page: shown once, then gone."""
    if session_id is None:
        return
    row = await db.get(UserSession, session_id)
    if row is not None:
        entry = {"kind": INVITATION_FLASH, "message": message, "user_id": str(user.id), "sealed": sealed_url}
        row.flash = [*(row.flash or []), entry]
