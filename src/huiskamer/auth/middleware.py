"""Who is asking: a bearer token on /api, the session cookie elsewhere. Guards decide what they may do."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from huiskamer.audit.hook import AuditActor, set_actor
from huiskamer.auth import kept_forms, service
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
    """Puts the Actor (or None) in ``scope["user"]`` and the browser session's id in ``scope["auth"]``; a session
    waiting for its second factor puts its Actor in ``scope["second_step"]`` only."""

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
            if found is not None and found.pending:
                # Between the password and the second factor: nobody yet, except for the second step's own pages.
                scope["second_step"] = found.actor
                found = None
                raw = None
            if found is not None:
                scope["user"] = found.actor
                scope["auth"] = found.actor.session_id
                if scope["method"] == "GET" and found.flash:
                    scope["flash"] = await service.pop_flash(db, found.actor.session_id, found.flash)
            if found is None and raw and scope["method"] == "POST" and not _is_public(scope):
                await _keep_what_was_typed(scope, receive, db, raw)
        actor: Actor | None = scope["user"]
        if actor is not None:
            set_actor(AuditActor(id=actor.id, label=f"{actor.name} <{actor.email}>", role=str(actor.role)))
        else:
            set_actor(AuditActor(id=None, label="anoniem"))
        await next_app(scope, receive, send)


class SessionEnded(NotAuthorizedException):
    """A form came in after its session had ended; what was typed is kept (``auth.kept_forms``) for after the
    log-in, on the page the form was on."""

    def __init__(self, kept_form: UUID, back_to: str) -> None:
        super().__init__("Uw sessie was verlopen.")
        self.kept_form = kept_form
        self.back_to = back_to


def _is_public(scope: Scope) -> bool:
    handler = scope.get("route_handler")
    return handler is None or bool(handler.opt.get("public"))


def _page_of_the_form(request: Request[Any, Any, Any]) -> str:
    """Where the form was: the page that sent it (same site only), else the address it was sent to."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc and referer.netloc == request.headers.get("host") and referer.path.startswith("/"):
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return request.url.path


async def _keep_what_was_typed(scope: Scope, receive: Receive, db: Any, raw: str) -> None:
    request: Request[Any, Any, Any] = Request(scope, receive)
    try:
        form = await request.form()
    except Exception:  # not a form (or a broken one): nothing to keep, the log-in page as for any other request
        return
    fields = {key: form.getall(key) if len(form.getall(key)) > 1 else form.get(key) for key in form}
    kept = await kept_forms.keep(db, raw, request.url.path, fields)
    if kept is not None:
        raise SessionEnded(kept, _page_of_the_form(request))
