"""Who is asking: a bearer token on /api, the session cookie elsewhere. Guards decide what they may do."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from huiskamer.audit.hook import AuditActor, set_actor
from huiskamer.auth import service
from huiskamer.auth.actor import Actor
from huiskamer.site.offline import SESSIONLESS_PATHS

SESSION_COOKIE = "hk_session"
CSRF_COOKIE = "hk_csrf"  # Litestar's CSRF middleware sets and reads it (app.py)
API_PREFIX = "/api/"


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


class AuthenticationMiddleware(ASGIMiddleware):
    """Puts the Actor (or None) in ``scope["user"]`` and the browser session's id in ``scope["auth"]``."""

    scopes = ("http",)  # type: ignore[assignment]

    @staticmethod
    def should_bypass_for_scope(scope: Scope) -> bool:  # type: ignore[override]
        # Static files, the health check and the offline files need nobody's identity (and no database read).
        path = scope["path"]
        return path.startswith("/static/") or path == "/health" or path in SESSIONLESS_PATHS

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        connection: ASGIConnection[Any, Any, Any, Any] = ASGIConnection(scope)
        alchemy = scope["app"].state["huiskamer_alchemy"]
        db = alchemy.provide_session(scope["app"].state, scope)
        scope["user"] = None
        scope["auth"] = None
        if scope["path"].startswith(API_PREFIX):
            raw = bearer_token(connection)
            scope["user"] = await service.find_token_actor(db, raw) if raw else None
        else:
            settings = scope["app"].state["huiskamer_settings"]
            raw = connection.cookies.get(settings.cookie_name(SESSION_COOKIE))
            found = await service.find_session(db, settings, raw) if raw else None
            if found is not None:
                scope["user"] = found.actor
                scope["auth"] = found.actor.session_id
                if scope["method"] == "GET" and found.flash:
                    scope["flash"] = await service.pop_flash(db, found.actor.session_id, found.flash)
        actor: Actor | None = scope["user"]
        if actor is not None:
            set_actor(AuditActor(id=actor.id, label=f"{actor.name} <{actor.email}>"))
        else:
            set_actor(AuditActor(id=None, label="anoniem"))
        await next_app(scope, receive, send)
