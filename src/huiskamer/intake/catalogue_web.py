"""HTML pages for the beheerder's goal catalogue: the list, a new goal, changing one, and making one (in)active."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from huiskamer.auth import service as auth_service
from huiskamer.auth.guards import require_admin
from huiskamer.errors import InvalidInput
from huiskamer.intake import catalogue
from huiskamer.intake.models import DIMENSIONS
from huiskamer.site.deps import CurrentActor, DbSession, form_data
from huiskamer.site.templating import page

LIST_URL = "/beheer/doelen"


async def _posted(request: Request[Any, Any, Any]) -> dict[str, Any]:
    data = await form_data(request)
    data.setdefault("active", "off")  # an unticked box sends nothing: here that means "not active"
    return data


def _form(
    request: Request[Any, Any, Any],
    *,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    item_id: str | None = None,
    item_name: str | None = None,
    code: str | None = None,
    status_code: int = 200,
) -> Template:
    shown = {key: value for key, value in values.items() if isinstance(value, str | bool)}
    return page(
        request,
        "admin/goal_form.html",
        status_code=status_code,
        title=f"{item_name} wijzigen" if item_name else "Nieuw doel",
        values=shown,
        errors=errors or {},
        item_id=item_id,
        item_name=item_name,
        code=code,
        kinds=list(catalogue.KINDS.items()),
        dimensions=catalogue.dimension_names(),
    )


@get(LIST_URL, name="admin_goals", guards=[require_admin])
async def admin_goals(request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession) -> Template:
    rows = await catalogue.list_goals(db_session, actor)
    return page(
        request, "admin/goals_list.html", title="Doelen", rows=rows, kinds=catalogue.KINDS, dimensions=DIMENSIONS
    )


@get(f"{LIST_URL}/nieuw", name="admin_goal_new", guards=[require_admin])
async def admin_goal_new(request: Request[Any, Any, Any]) -> Template:
    return _form(request, values=catalogue.new_form_values())


@post(f"{LIST_URL}/nieuw", name="admin_goal_create", guards=[require_admin])
async def admin_goal_create(
    request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession
) -> Template | Redirect:
    values = await _posted(request)
    try:
        item = await catalogue.create_goal(db_session, actor, catalogue.parse_goal_item(values))
    except InvalidInput as invalid:
        await db_session.rollback()
        return _form(request, values=values, errors=invalid.errors, status_code=422)
    await auth_service.flash(db_session, actor, f"Doel ‘{item.name}’ is toegevoegd.")
    return Redirect(LIST_URL, status_code=303)


@get(f"{LIST_URL}/{{goal_id:uuid}}", name="admin_goal_edit", guards=[require_admin])
async def admin_goal_edit(
    request: Request[Any, Any, Any], goal_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession
) -> Template:
    item = await catalogue.get_goal(db_session, actor, goal_id)
    return _form(request, values=catalogue.form_values(item), item_id=str(item.id), item_name=item.name, code=item.code)


@post(f"{LIST_URL}/{{goal_id:uuid}}", name="admin_goal_update", guards=[require_admin])
async def admin_goal_update(
    request: Request[Any, Any, Any], goal_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession
) -> Template | Redirect:
    item = await catalogue.get_goal(db_session, actor, goal_id)
    # Kept as plain text: a refused save rolls the session back, and the object with it.
    form = {"item_id": str(item.id), "item_name": item.name, "code": item.code}
    values = await _posted(request)
    try:
        item = await catalogue.update_goal(db_session, actor, goal_id, catalogue.parse_goal_item(values))
    except InvalidInput as invalid:
        await db_session.rollback()
        return _form(request, values=values, errors=invalid.errors, status_code=422, **form)
    await auth_service.flash(db_session, actor, f"Doel ‘{item.name}’ is opgeslagen.")
    return Redirect(LIST_URL, status_code=303)


@post(f"{LIST_URL}/{{goal_id:uuid}}/actief", name="admin_goal_active", guards=[require_admin])
async def admin_goal_active(
    request: Request[Any, Any, Any], goal_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession
) -> Redirect:
    data = await form_data(request)
    item = await catalogue.set_active(db_session, actor, goal_id, data.get("active") == "on")
    state = "wordt weer aangeboden bij de intake" if item.active else "wordt niet meer aangeboden bij de intake"
    await auth_service.flash(db_session, actor, f"Doel ‘{item.name}’ {state}.")
    return Redirect(LIST_URL, status_code=303)


routes = [admin_goals, admin_goal_new, admin_goal_create, admin_goal_edit, admin_goal_update, admin_goal_active]
