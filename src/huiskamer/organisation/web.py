"""The beheerder's settings page: when repeated unexcused absence raises a concern, and how often goals are
evaluated with the parents."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from huiskamer.auth import service as auth_service
from huiskamer.auth.guards import require_admin
from huiskamer.errors import InvalidInput
from huiskamer.organisation import service
from huiskamer.site.deps import CurrentActor, DbSession, form_data
from huiskamer.site.templating import page


def _form(request: Request[Any, Any, Any], values: dict[str, Any], errors: dict[str, str], status_code: int = 200):
    return page(
        request,
        "admin/settings.html",
        status_code=status_code,
        title="Instellingen",
        values=values,
        errors=errors,
        threshold_range=service.THRESHOLD_RANGE,
        window_range=service.WINDOW_RANGE,
        interval_range=service.INTERVAL_RANGE,
    )


@get("/beheer/instellingen", name="settings_form", guards=[require_admin])
async def settings_form(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    current = await service.current_settings(db_session)
    values: dict[str, Any] = {key: str(value) for key, value in asdict(current).items()}
    values["second_factor_for_everyone"] = current.second_factor_for_everyone
    return _form(request, values, {})


@post("/beheer/instellingen", name="settings_save", guards=[require_admin])
async def settings_save(
    request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession
) -> Template | Redirect:
    data = await form_data(request)
    try:
        await service.update_settings(db_session, actor, service.parse_settings(data))
    except InvalidInput as invalid:
        values: dict[str, Any] = {key: value[:20] for key, value in data.items() if isinstance(value, str)}
        values["second_factor_for_everyone"] = data.get("second_factor_for_everyone") == "on"
        return _form(request, values, invalid.errors, status_code=422)
    await auth_service.flash(db_session, actor, "De instellingen zijn opgeslagen.")
    return Redirect("/beheer/instellingen", status_code=303)


routes = [settings_form, settings_save]
