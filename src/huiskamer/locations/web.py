"""HTML pages for locations: the beheerder's list and form, and the read-only pages for the team."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from huiskamer.auth import service as auth_service
from huiskamer.auth.guards import require_admin, require_coordinator_or_admin, require_staff
from huiskamer.errors import InvalidInput
from huiskamer.locations import service
from huiskamer.locations.holidays import REGIONS, SOURCE, suggestions
from huiskamer.locations.schemas import (
    ClosureRow,
    closure_rows,
    location_form_values,
    location_uuid,
    new_location_form_values,
    parse_closure_rows,
    parse_location_input,
    read_closure_rows,
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
        today=today(),
        closure_days=service.upcoming_closure_days(location, today()),
    )


CLOSURES_URL = "/locaties/{location_id:str}/sluitingsdagen"
DEFAULT_REGION = "noord"


def _closures_page(
    request: Request[Any, Any, Any],
    location: Any,
    rows: list[ClosureRow],
    region: str,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    taken = [(closure.day, closure.last_day) for closure in location.closure_days]
    for row in rows:
        found = parse_date_pair(row)
        if found is not None:
            taken.append(found)
    return page(
        request,
        "locations/closures.html",
        status_code=status_code,
        title=f"Sluitingsdagen van {location.name}",
        location=location,
        rows=rows,
        errors=errors or {},
        region=region,
        regions=REGIONS,
        source=SOURCE,
        suggested=suggestions(region, today(), taken),
        past=[closure for closure in location.closure_days if closure.last_day < today()][-5:],
    )


def parse_date_pair(row: ClosureRow) -> tuple[Any, Any] | None:
    from huiskamer.validation import parse_date

    first = parse_date(row.first) if row.first else None
    if first is None:
        return None
    last = parse_date(row.last) if row.last else first
    return (first, last or first)


def _region(value: Any) -> str:
    return value if isinstance(value, str) and value in REGIONS else DEFAULT_REGION


@get(CLOSURES_URL, name="location_closures", guards=[require_coordinator_or_admin])
async def location_closures(
    request: Request[Any, Any, Any], location_id: FromPath[str], actor: CurrentActor, db_session: DbSession
) -> Template:
    location = await service.closures_location(db_session, actor, location_uuid(location_id))
    rows = closure_rows(service.upcoming_closure_days(location, today()))
    rows.append(ClosureRow())  # an empty row to add one
    return _closures_page(request, location, rows, _region(request.query_params.get("regio")))


@post(CLOSURES_URL, name="location_closures_save", guards=[require_coordinator_or_admin])
async def location_closures_save(
    request: Request[Any, Any, Any], location_id: FromPath[str], actor: CurrentActor, db_session: DbSession
) -> Template | Redirect:
    location = await service.closures_location(db_session, actor, location_uuid(location_id))
    target = location.id
    data = await form_data(request)
    region = _region(data.get("regio"))
    rows = read_closure_rows(data)
    if data.get("action") == "add" or data.get("action") == "region":
        # Another empty row, or the suggestions of another region: nothing is saved yet.
        return _closures_page(request, location, [*rows, ClosureRow()], region)
    try:
        await service.save_closures(db_session, actor, target, parse_closure_rows(rows), today())
    except InvalidInput as invalid:
        location = await service.closures_location(db_session, actor, target)
        return _closures_page(request, location, rows, region, errors=invalid.errors, status_code=422)
    await auth_service.flash(db_session, actor, "De sluitingsdagen zijn opgeslagen.")
    return Redirect(f"/locaties/{target}", status_code=303)


routes = [
    location_closures,
    location_closures_save,
    admin_locations,
    admin_location_new,
    admin_location_create,
    admin_location_edit,
    admin_location_update,
    staff_locations,
    staff_location,
]
