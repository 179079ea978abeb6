"""The goal catalogue, kept by the beheerder: social skills and themes, each mapped to a dimension of Positieve
Gezondheid for reporting. A goal is never deleted (children's goals refer to it): it is made inactive, and is
then no longer offered at an intake. Every change is audited by the shared hook (the model is ``__audited__``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.auth.actor import Actor
from huiskamer.errors import Forbidden, InvalidInput, NotFound
from huiskamer.intake.models import DIMENSIONS, Goal, GoalCatalogueItem
from huiskamer.validation import FieldErrors, Parsed, read_bool, read_choice, read_int, read_text

KINDS: dict[str, str] = {"social_skill": "Sociale vaardigheid", "theme": "Thema"}
MAX_POSITION = 999


@dataclass(frozen=True)
class GoalItemInput:
    name: str
    description: str
    kind: str
    dimension: str
    active: bool
    position: int | None  # None: at the end of the list


def parse_goal_item(raw: Any) -> Parsed[GoalItemInput]:
    """A catalogue goal as typed in the form (or sent as JSON), read per field; the service checks the name
    against the catalogue in the same round."""
    if not isinstance(raw, Mapping):
        raise InvalidInput({"": "Stuur het doel als een object met velden."})
    errors = FieldErrors()
    name = read_text(raw, "name", errors, label="de naam van het doel", max_length=120)
    description = read_text(
        raw, "description", errors, label="de omschrijving", required=False, max_length=300, multiline=True
    )
    kind = read_choice(raw, "kind", errors, label="de soort", choices=KINDS)
    dimension = read_choice(raw, "dimension", errors, label="de dimensie van Positieve Gezondheid", choices=DIMENSIONS)
    active = read_bool(raw, "active", errors, label="actief")
    position = read_int(raw, "position", errors, label="de volgorde", minimum=0, maximum=MAX_POSITION, required=False)
    # A field that failed is None here (Parsed's rule).
    return Parsed(GoalItemInput(name, description or "", kind, dimension, active, position), errors)  # type: ignore[arg-type]


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Alleen de beheerder houdt de lijst met doelen bij.")


@dataclass(frozen=True)
class CatalogueRow:
    item: GoalCatalogueItem
    children: int  # how many children's goals refer to it


async def list_goals(db: AsyncSession, actor: Actor) -> list[CatalogueRow]:
    """Every catalogue goal, active and inactive, in the order the intake form shows them."""
    _require_admin(actor)
    items = (
        await db.scalars(select(GoalCatalogueItem).order_by(GoalCatalogueItem.position, GoalCatalogueItem.name))
    ).all()
    used = dict(
        (
            await db.execute(
                select(Goal.code, func.count(func.distinct(Goal.referral_id)))
                .where(Goal.code.is_not(None))
                .group_by(Goal.code)
            )
        ).all()
    )
    return [CatalogueRow(item, used.get(item.code, 0)) for item in items]


async def get_goal(db: AsyncSession, actor: Actor, goal_id: UUID) -> GoalCatalogueItem:
    _require_admin(actor)
    item = await db.get(GoalCatalogueItem, goal_id)
    if item is None:
        raise NotFound("Dit doel bestaat niet.")
    return item


async def _checked(
    db: AsyncSession, data: GoalItemInput | Parsed[GoalItemInput], other_than: UUID | None = None
) -> GoalItemInput:
    """The goal once its name (when it was read) is free in the catalogue; every message at once otherwise."""
    parsed = Parsed.of(data)
    if not parsed.errors.failed("name"):
        name = parsed.value.name
        query = select(GoalCatalogueItem.id).where(func.lower(GoalCatalogueItem.name) == name.lower())
        if other_than is not None:
            query = query.where(GoalCatalogueItem.id != other_than)
        if await db.scalar(query.limit(1)) is not None:
            parsed.errors.add("name", "Er is al een doel met deze naam. Kies een andere naam, of wijzig dat doel.")
    return parsed.checked()


def code_for(name: str) -> str:
    """A short, stable code from the name ("Omgaan met geld" → "omgaan_met_geld"), as the API uses it."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")[:32] or "doel"


async def _free_code(db: AsyncSession, name: str) -> str:
    base = code_for(name)
    taken = set((await db.scalars(select(GoalCatalogueItem.code).where(GoalCatalogueItem.code.like(f"{base}%")))).all())
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base}_{n}"
    return code


async def create_goal(db: AsyncSession, actor: Actor, data: GoalItemInput | Parsed[GoalItemInput]) -> GoalCatalogueItem:
    """Adds a goal to the catalogue, with a code made from its name; without an order, it goes at the end."""
    _require_admin(actor)
    data = await _checked(db, data)
    position = data.position
    if position is None:
        last = await db.scalar(select(func.max(GoalCatalogueItem.position)))
        position = min((last or 0) + 1, MAX_POSITION)
    item = GoalCatalogueItem(
        code=await _free_code(db, data.name),
        name=data.name,
        description=data.description,
        kind=data.kind,
        dimension=data.dimension,
        active=data.active,
        position=position,
    )
    db.add(item)
    await db.flush()
    return item


async def update_goal(
    db: AsyncSession, actor: Actor, goal_id: UUID, data: GoalItemInput | Parsed[GoalItemInput]
) -> GoalCatalogueItem:
    """Changes a goal; its code stays, so the goals of children that refer to it keep their meaning."""
    try:
        item = await get_goal(db, actor, goal_id)
    except NotFound:
        Parsed.of(data).errors.raise_if_any()  # a mistake in the input is answered first, as before one round
        raise
    data = await _checked(db, data, other_than=item.id)
    item.name = data.name
    item.description = data.description
    item.kind = data.kind
    item.dimension = data.dimension
    item.active = data.active
    if data.position is not None:
        item.position = data.position
    await db.flush()
    return item


async def set_active(db: AsyncSession, actor: Actor, goal_id: UUID, active: bool) -> GoalCatalogueItem:
    """Offers the goal at intakes again, or no longer; it is never deleted."""
    item = await get_goal(db, actor, goal_id)
    item.active = active
    await db.flush()
    return item


def form_values(item: GoalCatalogueItem) -> dict[str, Any]:
    return {
        "name": item.name,
        "description": item.description,
        "kind": item.kind,
        "dimension": item.dimension,
        "active": item.active,
        "position": str(item.position),
    }


def new_form_values() -> dict[str, Any]:
    return {"kind": "social_skill", "active": True}


def dimension_names() -> Sequence[tuple[str, str]]:
    return list(DIMENSIONS.items())
