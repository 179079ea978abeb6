"""Use cases for the beheerder's user administration: create, change, deactivate; users are never deleted."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.auth.actor import Actor
from huiskamer.auth.models import ORGANISATION_TYPES_NL, Organisation, Role, User, UserLocation
from huiskamer.auth.secrets import hash_password, password_problem
from huiskamer.auth.service import end_all_sessions_and_tokens
from huiskamer.errors import Conflict, Forbidden, InvalidInput, NotFound
from huiskamer.locations.models import Location
from huiskamer.validation import FieldErrors, as_list, read_bool, read_choice, read_email, read_text

ROLES = tuple(role.value for role in Role)
STAFF_ROLES = (Role.COORDINATOR.value, Role.YOUTH_WORKER.value)


@dataclass(frozen=True)
class UserInput:
    email: str | None = None
    name: str | None = None
    role: str | None = None
    location_ids: tuple[UUID, ...] | None = None
    organisation_name: str | None = None
    organisation_type: str | None = None
    active: bool | None = None


def _read_location_ids(data: Mapping[str, Any], errors: FieldErrors) -> tuple[UUID, ...] | None:
    if "location_ids" not in data:
        return None
    items = as_list(data.get("location_ids"))
    if items is None:
        errors.add("location_ids", "Kies de locaties uit de lijst.")
        return None
    ids: list[UUID] = []
    for item in items:
        try:
            ids.append(UUID(str(item)))
        except (ValueError, TypeError, AttributeError):
            errors.add("location_ids", "Een gekozen locatie bestaat niet.")
            return None
    return tuple(dict.fromkeys(ids))


def _read_organisation(data: Mapping[str, Any], errors: FieldErrors) -> tuple[str | None, str | None]:
    organisation = data.get("organisation")
    if organisation is not None and not isinstance(organisation, Mapping):
        errors.add("organisation", "Geef de organisatie op met een naam en een soort.")
        return None, None
    name = read_text(data, "organisation.name", errors, label="de naam van de organisatie", required=False)
    kind = read_choice(
        data, "organisation.type", errors, label="de soort organisatie", choices=ORGANISATION_TYPES_NL, required=False
    )
    return name, kind


def parse_user_input(data: Any, *, creating: bool) -> UserInput:
    """Validates a new user (everything required) or a change (only the fields that are sent)."""
    if not isinstance(data, Mapping):
        raise InvalidInput({"": "Stuur de gegevens als een object met velden."})
    errors = FieldErrors()
    email = read_email(data, "email", errors) if creating or "email" in data else None
    name = (
        read_text(data, "name", errors, label="een naam", max_length=160) if creating or "name" in data else None
    )
    role = read_choice(data, "role", errors, label="een rol", choices=ROLES) if creating or "role" in data else None
    location_ids = _read_location_ids(data, errors)
    organisation_name, organisation_type = _read_organisation(data, errors)
    active = read_bool(data, "active", errors, label="actief", default=True) if "active" in data else None
    if role == Role.REFERRER.value and creating:
        if not organisation_name:
            errors.add("organisation.name", "Een verwijzer hoort bij een organisatie: vul de naam in.")
        if not organisation_type:
            errors.add("organisation.type", "Kies de soort organisatie van de verwijzer.")
    errors.raise_if_any()
    return UserInput(
        email=email,
        name=name,
        role=role,
        location_ids=location_ids,
        organisation_name=organisation_name,
        organisation_type=organisation_type,
        active=active,
    )


def _require_admin(actor: Actor | None) -> None:
    # None: the command line, run by whoever operates the server.
    if actor is not None and not actor.is_admin:
        raise Forbidden


async def _checked_locations(db: AsyncSession, location_ids: Sequence[UUID]) -> list[UUID]:
    if not location_ids:
        return []
    found = set((await db.scalars(select(Location.id).where(Location.id.in_(location_ids)))).all())
    if len(found) != len(set(location_ids)):
        raise InvalidInput({"location_ids": "Een gekozen locatie bestaat niet."})
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
        errors.add("location_ids", "Kies minstens één locatie voor een coördinator of kinderwerker.")
    if role not in STAFF_ROLES and location_ids:
        errors.add("location_ids", "Alleen coördinatoren en kinderwerkers horen bij een locatie.")
    if role == Role.REFERRER.value and not has_organisation:
        errors.add("organisation.name", "Een verwijzer hoort bij een organisatie: vul de naam in.")
    errors.raise_if_any()


async def create_user(
    db: AsyncSession, actor: Actor | None, data: UserInput, *, password: str | None = None
) -> User:
    """A new user; without a password they set one through an invitation link. Duplicate e-mail: Conflict."""
    _require_admin(actor)
    assert data.email and data.name and data.role
    if await db.scalar(select(func.count()).select_from(User).where(User.email == data.email)):
        raise Conflict("Er is al een gebruiker met dit e-mailadres.")
    location_ids = await _checked_locations(db, data.location_ids or ())
    organisation = None
    if data.role == Role.REFERRER.value and data.organisation_name and data.organisation_type:
        organisation = await _organisation(db, data.organisation_name, data.organisation_type)
    _check_role_fits(data.role, location_ids, organisation is not None)
    if password is not None and (problem := password_problem(password)):
        raise InvalidInput({"password": problem})
    user = User(
        email=data.email,
        name=data.name,
        role=data.role,
        organisation_id=organisation.id if organisation else None,
        password_hash=hash_password(password) if password else None,
        active=True if data.active is None else data.active,
    )
    user.location_links = [UserLocation(location_id=location_id) for location_id in location_ids]
    db.add(user)
    await db.flush()
    return user


async def get_user(db: AsyncSession, actor: Actor, user_id: UUID) -> User:
    _require_admin(actor)
    user = await db.get(User, user_id)
    if user is None:
        raise NotFound("Deze gebruiker bestaat niet.")
    return user


async def list_users(db: AsyncSession, actor: Actor, *, query: str = "", role: str = "") -> Sequence[User]:
    _require_admin(actor)
    statement = select(User).order_by(User.active.desc(), User.name)
    if query:
        like = f"%{query.lower()}%"
        statement = statement.where(func.lower(User.name).like(like) | func.lower(User.email).like(like))
    if role in ROLES:
        statement = statement.where(User.role == role)
    return (await db.scalars(statement)).all()


async def update_user(db: AsyncSession, actor: Actor, user_id: UUID, data: UserInput) -> User:
    """Changes name, role, locations, organisation or active; deactivating ends sessions and tokens at once."""
    user = await get_user(db, actor, user_id)
    if data.email is not None and data.email != user.email:
        if await db.scalar(select(func.count()).select_from(User).where(User.email == data.email)):
            raise Conflict("Er is al een gebruiker met dit e-mailadres.")
        user.email = data.email
    if data.name is not None:
        user.name = data.name
    if data.role is not None:
        if user.id == actor.id and data.role != Role.ADMIN.value:
            raise Conflict("U kunt uw eigen rol van beheerder niet afnemen.")
        user.role = data.role
    if data.organisation_name and data.organisation_type:
        user.organisation_id = (await _organisation(db, data.organisation_name, data.organisation_type)).id
    if user.role != Role.REFERRER.value:
        user.organisation_id = None
    location_ids = list(user.location_ids) if data.location_ids is None else await _checked_locations(
        db, data.location_ids
    )
    if user.role not in STAFF_ROLES:
        location_ids = []
    _check_role_fits(user.role, location_ids, user.organisation_id is not None)
    if set(location_ids) != set(user.location_ids):
        keep = [link for link in user.location_links if link.location_id in location_ids]
        added = [UserLocation(location_id=i) for i in location_ids if i not in set(user.location_ids)]
        user.location_links = keep + added
    if data.active is not None and data.active != user.active:
        if user.id == actor.id and not data.active:
            raise Conflict("U kunt uw eigen account niet uitzetten.")
        user.active = data.active
        if not data.active:
            await end_all_sessions_and_tokens(db, user.id)
    await db.flush()
    return user
