"""JSON API: who am I, and the users (beheerder)."""

from __future__ import annotations

from typing import Any

from litestar import get

from huiskamer.site.deps import CurrentActor


def actor_json(actor: CurrentActor) -> dict[str, Any]:
    return {
        "id": str(actor.id),
        "email": actor.email,
        "name": actor.name,
        "role": actor.role.value,
        "location_ids": sorted(str(location_id) for location_id in actor.location_ids),
    }


@get("/api/v1/me", name="api_me", tags=["account"])
async def me(actor: CurrentActor) -> dict[str, Any]:
    return actor_json(actor)


routes = [me]
