"""Headers that keep browsers strict (no inline scripts, no framing, no sniffing, no referrer leaks, HTTPS only in
production, API answers never cached), and requests refused before any route sees them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar.datastructures import MutableScopeHeaders
from litestar.middleware import ASGIMiddleware
from litestar.routes import HTTPRoute
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from huiskamer.config import Settings
from huiskamer.errors import MalformedRequest

_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
# Production runs behind HTTPS only (the cookies are Secure there): browsers are told to never try plain HTTP.
HSTS = "max-age=31536000; includeSubDomains"


def security_headers(settings: Settings) -> Callable[[Message, Scope], Awaitable[None]]:
    headers_for_all = dict(_HEADERS)
    if settings.secure_cookies:
        headers_for_all["Strict-Transport-Security"] = HSTS

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        path = scope.get("path", "")
        for name, value in headers_for_all.items():
            if name not in headers:
                headers[name] = value
        if path.startswith("/api/"):
            # API answers hold dossiers: no browser, proxy or client library may keep them (api-v1.md).
            headers["Cache-Control"] = "no-store"

    return add_headers


async def allow_every_method(message: Message, scope: Scope) -> None:
    """The Allow header of an OPTIONS answer names every method of the path (RFC 9110). Litestar makes that answer
    with the route of the first handler registered for a path and keeps it when more handlers join the path, so
    on its own it names that handler's methods only (``GET, OPTIONS`` where PATCH is possible too)."""
    if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS" or message["status"] >= 300:
        return
    template = scope.get("path_template")  # type: ignore[typeddict-item]
    for route in scope["app"].routes:
        if isinstance(route, HTTPRoute) and route.path_format == template:
            MutableScopeHeaders.from_message(message)["Allow"] = ", ".join(sorted(route.methods))
            return


def malformed_path(path: str) -> MalformedRequest | None:
    """A path with a NUL byte is no path of ours: 400, whether a route matched it or not (api-v1.md)."""
    if "\x00" in path:
        return MalformedRequest({"path": "Het adres bevat een ongeldig teken."}, "Dit adres bestaat niet.")
    return None


class RefuseMalformedPaths(ASGIMiddleware):
    """Refuses a malformed path that matched a route (a file look-up would fail on it with a 500); one that matched
    none is turned into the same 400 by the exception handler (``site.errors``)."""

    scopes = ("http",)  # type: ignore[assignment]

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if error := malformed_path(scope["path"]):
            raise error
        await next_app(scope, receive, send)
