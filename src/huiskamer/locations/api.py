"""JSON API for locations: the list in scope for everyone, creating and changing for the beheerder."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, get, patch, post
from litestar.params import FromPath

from huiskamer.auth.guards import require_admin
from huiskamer.locations import service
from huiskamer.locations.schemas import LocationChange, LocationIn, LocationOut, location_json, parse_location_input
from huiskamer.site.apidoc import api_doc
from huiskamer.site.deps import CurrentActor, DbSession, json_body


@get("/api/v1/locations", name="api_locations", tags=["locations"], **api_doc(list[LocationOut]))
async def list_locations(actor: CurrentActor, db_session: DbSession) -> list[dict[str, Any]]:
    return [location_json(location) for location in await service.list_locations(db_session, actor)]


@get(
    "/api/v1/locations/{location_id:uuid}",
    name="api_location",
    tags=["locations"],
    **api_doc(LocationOut, errors=(404,)),
)
async def get_location(location_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession) -> dict[str, Any]:
    return location_json(await service.get_location(db_session, actor, location_id))


@post(
    "/api/v1/locations",
    name="api_location_create",
    tags=["locations"],
    guards=[require_admin],
    **api_doc(LocationOut, status=201, body=LocationIn, errors=(403, 409, 422)),
)
async def create_location(
    request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession
) -> Response[dict[str, Any]]:
    data = parse_location_input(await json_body(request), creating=True)
    location = await service.create_location(db_session, actor, data)
    return Response(location_json(location), status_code=201)


@patch(
    "/api/v1/locations/{location_id:uuid}",
    name="api_location_update",
    tags=["locations"],
    guards=[require_admin],
    **api_doc(LocationOut, body=LocationChange, errors=(403, 404, 409, 422)),
)
async def update_location(
    request: Request[Any, Any, Any], location_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession
) -> dict[str, Any]:
    data = parse_location_input(await json_body(request), creating=False)
    location = await service.update_location(db_session, actor, location_id, data)
    return location_json(location)


routes = [list_locations, get_location, create_location, update_location]
