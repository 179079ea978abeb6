"""Every route of the app, enumerated from the app itself, so that a new route cannot escape:
without a session a page sends you to the log-in page and an API call answers 401; only the
log-in, invitation, public information, health, static and OpenAPI routes are open."""

from __future__ import annotations

import re
import uuid

import pytest
from litestar.routes import HTTPRoute

from tests.factories import csrf_token

# Open by design: a person without an account must be able to log in, accept an invitation
# (that sets the first password), read what the service is, and monitoring must reach /health; a phone must be
# able to fetch the service worker, the manifest and the offline page (none holds personal data).
OPEN = {
    ("/sw.js", "GET"),
    ("/manifest.webmanifest", "GET"),
    ("/offline", "GET"),
    ("/inloggen", "GET"),
    ("/inloggen", "POST"),
    ("/over", "GET"),
    ("/health", "GET"),
    ("/uitnodiging/{token:str}", "GET"),
    ("/uitnodiging/{token:str}", "POST"),
    # The hint under a new password as it is typed, on the invitation page too (before an account has a password):
    # it answers only whether the typed password would pass the rules.
    ("/wachtwoord/controle", "POST"),
}
OPEN_PREFIXES = ("/static/", "/schema")
# OPTIONS answers which methods exist and carries no data.
SKIPPED_METHODS = {"OPTIONS", "HEAD"}


def _fill(path: str) -> str:
    """A concrete URL for a route path, with made-up parameters."""

    def value(match: re.Match[str]) -> str:
        kind = match.group(2) or "str"
        if kind == "uuid":
            return str(uuid.uuid4())
        if kind == "int":
            return "1"
        if kind == "date":
            return "2026-09-01"
        if kind == "path":
            return "/css/app.css"
        return str(uuid.uuid4())

    return re.sub(r"\{(\w+)(?::(\w+))?\}", value, path)


def all_routes(app) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for method in sorted(route.methods):
            if method not in SKIPPED_METHODS:
                found.append((route.path, method))
    return found


def _is_open(path: str, method: str) -> bool:
    return (path, method) in OPEN or path.startswith(OPEN_PREFIXES)


def test_the_app_has_the_routes_this_test_expects(app):
    routes = all_routes(app)
    assert ("/", "GET") in routes
    assert ("/api/v1/me", "GET") in routes
    assert len(routes) > 10


def test_every_closed_page_redirects_to_login_and_every_api_call_answers_401(app, client):
    token = csrf_token(client)
    checked = 0
    for path, method in all_routes(app):
        if _is_open(path, method):
            continue
        url = _fill(path)
        headers = {"x-csrftoken": token}
        response = client.request(method, url, headers=headers, follow_redirects=False, json=None)
        if path.startswith("/api/"):
            assert response.status_code == 401, (method, url, response.status_code)
            assert "errors" not in response.json() or response.json()["errors"] is not None
        else:
            assert response.status_code == 303, (method, url, response.status_code)
            assert response.headers["location"].startswith("/inloggen"), (method, url)
        checked += 1
    assert checked >= 3


@pytest.mark.parametrize(
    "path",
    [
        "/inloggen",
        "/over",
        "/health",
        "/static/css/app.css",
        "/schema/openapi.json",
        "/sw.js",
        "/manifest.webmanifest",
        "/offline",
    ],
)
def test_open_routes_answer_without_a_session(client, path):
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 200, (path, response.status_code)


def test_a_closed_page_remembers_where_you_wanted_to_go(client):
    response = client.get("/beheer/locaties", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/inloggen?volgende=%2Fbeheer%2Flocaties"


def test_an_unknown_invitation_link_is_a_clear_404(client):
    response = client.get("/uitnodiging/bestaat-niet")
    assert response.status_code == 404
    assert "verlopen of al gebruikt" in response.text


def test_every_guard_runs_on_the_event_loop(app):
    """Litestar runs a plain-function guard in its thread pool: a thread hop per guard on every request, a good part
    of the fixed cost (benchmarks/bench_fixed_cost.py). Every guard of every route is a coroutine function."""
    from litestar.utils.sync import AsyncCallable

    handlers = [handler for route in app.routes if isinstance(route, HTTPRoute) for handler in route.route_handlers]
    assert len(handlers) > 100
    in_threads = sorted(
        f"{handler.handler_name}: {getattr(guard, 'func', guard).__name__}"
        for handler in handlers
        for guard in handler.resolve_guards()
        if isinstance(guard, AsyncCallable)
    )
    assert in_threads == []
