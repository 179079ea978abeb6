"""Guards check the role; the services' queries check the scope.

Every route needs a logged-in user unless its handler says ``opt={"public": True}``.

The guards are ``async`` although they never wait: Litestar runs a plain function guard in its thread pool, and
that hop (twice for most routes) was a good part of every request's fixed cost (benchmarks/bench_fixed_cost.py).
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from huiskamer.auth.actor import Actor
from huiskamer.auth.models import Role

PUBLIC = {"public": True}


async def require_login(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    if handler.opt.get("public") or connection.scope["path"].startswith("/schema"):
        return  # the OpenAPI document is public: it holds no data
    if connection.scope.get("user") is None:
        raise NotAuthorizedException("Log in om verder te gaan.")


def _require_roles(*roles: Role):
    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        actor: Actor | None = connection.scope.get("user")
        if actor is None:
            raise NotAuthorizedException("Log in om verder te gaan.")
        if actor.role not in roles:
            raise PermissionDeniedException("U heeft geen toegang tot deze pagina.")

    guard.__name__ = "require_" + "_or_".join(r.value for r in roles)
    return guard


require_admin = _require_roles(Role.ADMIN)
require_staff = _require_roles(Role.ADMIN, Role.COORDINATOR, Role.YOUTH_WORKER)
require_coordinator = _require_roles(Role.COORDINATOR)
require_coordinator_or_admin = _require_roles(Role.ADMIN, Role.COORDINATOR)
require_referrer_or_coordinator = _require_roles(Role.REFERRER, Role.COORDINATOR)
