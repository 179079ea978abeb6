"""Dependencies every controller may ask for: ``actor``, ``settings`` (and ``db_session`` from the plugin)."""

from __future__ import annotations

import re
import weakref
from typing import Any, TypeAlias

import msgspec
from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.auth.actor import Actor
from huiskamer.config import Settings
from huiskamer.errors import InvalidInput


def provide_actor(request: Request[Any, Any, Any]) -> Actor:
    actor = request.scope.get("user")
    if actor is None:
        raise NotAuthorizedException("Log in om verder te gaan.")
    return actor


def provide_settings(state: State) -> Settings:
    return state["huiskamer_settings"]


def client_address(request: Request[Any, Any, Any]) -> str | None:
    """Where the request came from (behind the proxy: what it says, ``serve`` trusts its headers)."""
    return request.client.host if request.client else None


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


# JSON nested deeper than this is refused before it is parsed (api-v1.md: robustness); no body of ours nests more
# than four levels.
MAX_JSON_DEPTH = 32
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_A_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


def json_depth(body: bytes) -> int:
    """How deep the arrays and objects of a JSON text nest (brackets inside strings do not count)."""
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_A_BRACKET)
    depth = deepest = 0
    for bracket in brackets:
        depth += 1 if bracket in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


async def json_body(request: Request[Any, Any, Any]) -> Any:
    """The request's JSON. A body that is no UTF-8, no JSON or nested too deep is bad input (422), never a 500."""
    body = await request.body()
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput({"": "Het verzoek is geen geldige UTF-8-tekst."}) from None
    if json_depth(body) > MAX_JSON_DEPTH:
        raise InvalidInput({"": f"De JSON is te diep genest (hoogstens {MAX_JSON_DEPTH} niveaus)."})
    try:
        return msgspec.json.decode(body) if body else None
    except (msgspec.DecodeError, RecursionError):
        raise InvalidInput({"": "Het verzoek is geen geldige JSON. Stuur een object met velden."}) from None


# Per handler, computed once; weak, so that an app that has ended (a test's, say) is not kept alive with its
# database pool by this cache.
_QUERY_NAMES: weakref.WeakKeyDictionary[BaseRouteHandler, frozenset[str]] = weakref.WeakKeyDictionary()


def _query_names(handler: BaseRouteHandler) -> frozenset[str]:
    """The query parameters a handler declares (under their names in the URL)."""
    found = _QUERY_NAMES.get(handler)
    if found is None:
        found = _QUERY_NAMES[handler] = _declared_query_names(handler)
    return found


def _declared_query_names(handler: BaseRouteHandler) -> frozenset[str]:
    names = set()
    path_names = {name for path in handler.paths for name in re.findall(r"\{(\w+)", path)}
    dependency_names = set(handler.resolve_dependencies())
    for name, field in handler.parsed_fn_signature.parameters.items():
        if name in path_names or name in dependency_names or name in ("request", "state", "scope", "data"):
            continue
        kwarg = field.kwarg_definition
        names.add(getattr(kwarg, "query", None) or getattr(kwarg, "name", None) or name)
    return frozenset(names)


async def refuse_unknown_query(request: Request[Any, Any, Any]) -> None:
    """A query parameter the operation does not know is bad input (422), not silently ignored: a typo in a filter
    would otherwise answer the whole unfiltered list as if it were filtered."""
    known = _query_names(request.route_handler)
    unknown = sorted({name for name in request.query_params if name not in known})
    if unknown:
        raise InvalidInput({name or "?": "Onbekende parameter voor deze bewerking." for name in unknown})
