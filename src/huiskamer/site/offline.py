"""What a phone needs to use the day list without a connection: the service worker (at the root, so that it may
answer for every page), the web app manifest (the day list on the home screen) and the page shown offline.
None of them holds personal data; none reads a session."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from litestar import Request, Response, get
from litestar.response import Template

from huiskamer.auth.guards import PUBLIC
from huiskamer.site.deps import AppSettings
from huiskamer.site.templating import page

# Paths answered without reading the session (auth.middleware): the same for everyone.
SESSIONLESS_PATHS = frozenset({"/sw.js", "/manifest.webmanifest", "/offline"})

MANIFEST = {
    "name": "Huiskamer",
    "short_name": "Huiskamer",
    "description": "De daglijst van de huiskamer: aanwezigheid en ophalen, ook zonder netwerk.",
    "lang": "nl",
    "start_url": "/",
    "scope": "/",
    "display": "standalone",
    "background_color": "#f6f6f8",
    "theme_color": "#0b5a6e",
    "icons": [
        {"src": "/static/icons/huiskamer-192.png", "sizes": "192x192", "type": "image/png"},
        {"src": "/static/icons/huiskamer-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
        {"src": "/static/icons/huiskamer.svg", "sizes": "any", "type": "image/svg+xml"},
    ],
}


@cache
def _worker_script(static_dir: Path) -> bytes:
    return (static_dir / "js" / "sw.js").read_bytes()


@get("/sw.js", name="service_worker", opt=PUBLIC, include_in_schema=False)
async def service_worker(settings: AppSettings) -> Response[bytes]:
    # Never from the browser's HTTP cache: a new version must reach the phone at its next visit.
    return Response(
        _worker_script(settings.static_dir),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
    )


@get("/manifest.webmanifest", name="web_app_manifest", opt=PUBLIC, include_in_schema=False)
async def manifest() -> Response[bytes]:
    return Response(
        json.dumps(MANIFEST, ensure_ascii=False).encode(),
        media_type="application/manifest+json",
        headers={"Cache-Control": "no-cache"},
    )


@get("/offline", name="offline", opt=PUBLIC, include_in_schema=False)
async def offline(request: Request[Any, Any, Any]) -> Template:
    """The page the service worker shows for a page it has not kept, without a connection: no one's name."""
    return page(request, "offline.html", title="Geen verbinding", actor=None)


routes = [service_worker, manifest, offline]
