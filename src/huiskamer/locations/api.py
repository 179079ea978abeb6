"""JSON API for locations: the list in scope for everyone, creating and changing for the beheerder."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, patch, post
from litestar.params import FromPath

from huiskamer.auth.guards import require_admin
from huiskamer.locations import service
from huiskamer.locations.schemas import location_json, location_uuid, parse_location_input
from huiskamer.site.deps import CurrentActor, DbSession, json_body


@get("/api/v1/locations", name="api_locations", tags=["locations"])
async def list_locations(actor: CurrentActor, db_session: DbSession) -> list[dict[str, Any]]:
    return [location_json(location) for location in await service.list_locations(db_session, actor)]


@get("/api/v1/locations/{location_id:str}", name="api_location", tags=["locations"])
async def get_location(location_id: FromPath[str], actor: CurrentActor, db_session: DbSession) -> dict[str, Any]:
    return location_json(await service.get_location(db_session, actor, location_uuid(location_id)))


@post("/api/v1/locations", name="api_location_create", tags=["locations"], guards=[require_admin])
async def create_location(
    request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession
) -> Response[dict[str, Any]]:
    data = parse_location_input(await json_body(request), creating=True)
    location = await service.create_location(db_session, actor, data)
    return Response(location_json(location), status_code=201)


@patch("/api/v1/locations/{location_id:str}", name="api_location_update", tags=["locations"], guards=[require_admin])
async def update_location(
    request: Request[Any, Any, Any], location_id: FromPath[str], actor: CurrentActor, db_session: DbSession
) -> dict[str, Any]:
    target = location_uuid(location_id)
    data = parse_location_input(await json_body(request), creating=False)
    location = await service.update_location(db_session, actor, target, data)
    return location_json(location)


routes = [list_locations, get_location, create_location, update_location]
