"""htmx details that every page shares."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import Headers, MutableScopeHeaders
from litestar.types import Message, Scope


async def push_boosted_url(message: Message, scope: Scope) -> None:
    """After a boosted form's POST-redirect-GET, put the GET's URL in the address bar.

    htmx follows the 303 inside its request and would otherwise leave the form's URL there, so a reload
    would show the form again instead of the page the user is on.
    """
    if message["type"] != "http.response.start" or scope.get("method") != "GET" or message["status"] != 200:
        return
    request_headers = Headers.from_scope(scope)
    if request_headers.get("hx-boosted") != "true":
        return
    path = scope.get("path", "")
    query = scope.get("query_string", b"").decode("latin-1")
    MutableScopeHeaders.from_message(message)["HX-Push-Url"] = path + (f"?{query}" if query else "")


def wants_fragment(request: Request[Any, Any, Any]) -> bool:
    """An htmx request for a part of the page; a boosted link or form wants the whole page."""
    return request.headers.get("hx-request") == "true" and request.headers.get("hx-boosted") != "true"
