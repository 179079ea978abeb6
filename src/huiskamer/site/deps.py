"""Dependencies every controller may ask for: ``actor``, ``settings`` (and ``db_session`` from the plugin)."""

from __future__ import annotations

from typing import Any, TypeAlias

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.auth.actor import Actor
from huiskamer.config import Settings


def provide_actor(request: Request[Any, Any, Any]) -> Actor:
    actor = request.scope.get("user")
    if actor is None:
        raise NotAuthorizedException("Log in om verder te gaan.")
    return actor


def provide_settings(state: State) -> Settings:
    return state["huiskamer_settings"]


dependencies = {
    "actor": Provide(provide_actor, sync_to_thread=False),
    "settings": Provide(provide_settings, sync_to_thread=False),
}


async def form_data(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The posted form as a plain dict; a field sent more than once becomes a list."""
    form = await request.form()
    data: dict[str, Any] = {}
    for key in form:
        values = form.getall(key)
        values = [v for v in values if isinstance(v, str)]
        data[key] = values if len(values) > 1 else (values[0] if values else "")
    return data


# Handler parameters name their dependencies explicitly (Litestar 3 drops inferred ones).
CurrentActor: TypeAlias = NamedDependency[Actor]
DbSession: TypeAlias = NamedDependency[AsyncSession]
AppSettings: TypeAlias = NamedDependency[Settings]


async def json_body(request: Request[Any, Any, Any]) -> Any:
    """The request's JSON; a body that is no JSON at all is bad input (422), never a 500."""
    from litestar.exceptions import SerializationException

    from huiskamer.errors import InvalidInput

    try:
        return await request.json()
    except SerializationException:
        raise InvalidInput({"": "Het verzoek is geen geldige JSON. Stuur een object met velden."}) from None
