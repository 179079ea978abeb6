"""Use cases for locations: who sees which, creating and changing them (capacity, closure days)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.auth.actor import Actor
from huiskamer.errors import NotFound
from huiskamer.locations.models import Location


def _scoped(actor: Actor):
    """Admins see every location, referrers every active one (to choose from); staff only their own."""
    query = select(Location).order_by(Location.name)
    if actor.is_admin:
        return query
    if actor.is_referrer:
        return query.where(Location.active.is_(True))
    return query.where(Location.id.in_(actor.location_ids or [UUID(int=0)]))


async def list_locations(db: AsyncSession, actor: Actor) -> Sequence[Location]:
    """The locations in the actor's scope, by name."""
    return (await db.scalars(_scoped(actor))).all()


async def get_location(db: AsyncSession, actor: Actor, location_id: UUID) -> Location:
    """One location in scope; anything else does not exist for this actor."""
    location = await db.scalar(_scoped(actor).where(Location.id == location_id))
    if location is None:
        raise NotFound("Deze locatie bestaat niet, of u heeft er geen toegang toe.")
    return location
