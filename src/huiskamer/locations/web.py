"""HTML pages for locations: the beheerder's list and form, and the read-only pages for the team."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from huiskamer.auth import service as auth_service
from huiskamer.auth.guards import require_admin, require_staff
from huiskamer.errors import InvalidInput
from huiskamer.locations import service
from huiskamer.locations.schemas import (
    location_form_values,
    location_uuid,
    new_location_form_values,
    parse_location_input,
)
from huiskamer.site.deps import CurrentActor, DbSession, form_data
from huiskamer.site.templating import page, today

LIST_URL = "/beheer/locaties"


async def _posted_values(request: Request[Any, Any, Any]) -> dict[str, Any]:
    data = await form_data(request)
    # An unticked checkbox sends nothing at all; for this form that means "not active".
    data.setdefault("active", "off")
    return data


def _form(
    request: Request[Any, Any, Any],
    *,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    location_id: str | None = None,
    location_name: str | None = None,
    status_code: int = 200,
) -> Template:
    shown = {key: value for key, value in values.items() if isinstance(value, str | int | bool)}
    return page(
        request,
        "admin/location_form.html",
        status_code=status_code,
        title=f"{location_name} wijzigen" if location_name else "Nieuwe locatie",
        values=shown,
        errors=errors or {},
        location_id=location_id,
        location_name=location_name,
    )


@get(LIST_URL, name="admin_locations", guards=[require_admin])
async def admin_locations(request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession) -> Template:
    locations = await service.list_locations(db_session, actor)
    return page(request, "admin/locations_list.html", title="Locaties", locations=locations)


@get(f"{LIST_URL}/nieuw", name="admin_location_new", guards=[require_admin])
async def admin_location_new(request: Request[Any, Any, Any]) -> Template:
    return _form(request, values=new_location_form_values())


@post(f"{LIST_URL}/nieuw", name="admin_location_create", guards=[require_admin])
async def admin_location_create(
    request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession
) -> Template | Redirect:
    values = await _posted_values(request)
    try:
        location = await service.create_location(db_session, actor, parse_location_input(values, creating=True))
    except InvalidInput as invalid:
        return _form(request, values=values, errors=invalid.errors, status_code=422)
    except service.LocationConflict as conflict:
        return _form(request, values=values, errors={conflict.field: conflict.message}, status_code=409)
    await auth_service.flash(db_session, actor, f"Locatie {location.name} is aangemaakt.")
    return Redirect(LIST_URL, status_code=303)


@get(f"{LIST_URL}/{{location_id:str}}", name="admin_location_edit", guards=[require_admin])
async def admin_location_edit(
    request: Request[Any, Any, Any], location_id: FromPath[str], actor: CurrentActor, db_session: DbSession
) -> Template:
    location = await service.get_location(db_session, actor, location_uuid(location_id))
    return _form(
        request, values=location_form_values(location), location_id=str(location.id), location_name=location.name
    )


@post(f"{LIST_URL}/{{location_id:str}}", name="admin_location_update", guards=[require_admin])
async def admin_location_update(
    request: Request[Any, Any, Any], location_id: FromPath[str], actor: CurrentActor, db_session: DbSession
) -> Template | Redirect:
    location = await service.get_location(db_session, actor, location_uuid(location_id))
    # Kept as plain text: a failed save rolls the session back and the object with it.
    target, name = location.id, location.name
    values = await _posted_values(request)
    form = {"values": values, "location_id": str(target), "location_name": name}
    try:
        location = await service.update_location(
            db_session, actor, target, parse_location_input(values, creating=False)
        )
    except InvalidInput as invalid:
        return _form(request, errors=invalid.errors, status_code=422, **form)
    except service.LocationConflict as conflict:
        return _form(request, errors={conflict.field: conflict.message}, status_code=409, **form)
    await auth_service.flash(db_session, actor, f"Locatie {location.name} is opgeslagen.")
    return Redirect(LIST_URL, status_code=303)


@get("/locaties", name="staff_locations", guards=[require_staff])
async def staff_locations(request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession) -> Template:
    locations = await service.list_locations(db_session, actor)
    title = "Locaties" if actor.is_admin else "Mijn locaties"
    return page(request, "locations/list.html", title=title, locations=locations)


@get("/locaties/{location_id:str}", name="staff_location", guards=[require_staff])
async def staff_location(
    request: Request[Any, Any, Any], location_id: FromPath[str], actor: CurrentActor, db_session: DbSession
) -> Template:
    location = await service.get_location(db_session, actor, location_uuid(location_id))
    team = await service.list_team(db_session, actor, location.id)
    return page(
        request,
        "locations/detail.html",
        title=location.name,
        location=location,
        team=team,
        closure_days=service.upcoming_closure_days(location, today()),
    )


routes = [
    admin_locations,
    admin_location_new,
    admin_location_create,
    admin_location_edit,
    admin_location_update,
    staff_locations,
    staff_location,
]
