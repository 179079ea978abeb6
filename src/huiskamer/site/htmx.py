"""htmx details that every page shares."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import Headers, MutableScopeHeaders
from litestar.types import Message, Scope


async def push_boosted_url(message: Message, scope: Scope) -> None:
    """Keep the address bar on a URL that a reload can GET, for boosted links and forms.

    After a boosted form's POST-redirect-GET, htmx follows the 303 inside its request and would leave the
    form's URL there: the GET's URL is pushed instead. A form refused with its page shown again (a 422 or 409
    answered to the POST itself) would leave the POST-only action URL there, and a reload would end on a 405:
    nothing is pushed, so the address bar keeps the page the form was on. A handler that names a URL wins.
    """
    if message["type"] != "http.response.start" or Headers.from_scope(scope).get("hx-boosted") != "true":
        return
    headers = MutableScopeHeaders.from_message(message)
    if headers.get("HX-Push-Url") is not None:
        return
    if scope.get("method") == "GET" and message["status"] == 200:
        path = scope.get("path", "")
        query = scope.get("query_string", b"").decode("latin-1")
        headers["HX-Push-Url"] = path + (f"?{query}" if query else "")
    elif scope.get("method") != "GET" and not 300 <= message["status"] < 400:
        headers["HX-Push-Url"] = "false"


def wants_fragment(request: Request[Any, Any, Any]) -> bool:
    """An htmx request for a part of the page; a boosted link or form wants the whole page."""
    return request.headers.get("hx-request") == "true" and request.headers.get("hx-boosted") != "true"
