"""create_app(): plugins, middleware, routes, exception handlers; nothing else."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig, SQLAlchemyPlugin
from litestar import Litestar, Router
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.plugins.htmx import HTMXPlugin
from litestar.static_files import create_static_files_router
from sqlalchemy.orm import configure_mappers

from huiskamer.attendance import api as attendance_api
from huiskamer.attendance import web as attendance_web
from huiskamer.audit import privacy_web
from huiskamer.audit import web as audit_web
from huiskamer.audit.hook import install_audit_hook
from huiskamer.auth import account_web, second_factor_web
from huiskamer.auth import api as auth_api
from huiskamer.auth import web as auth_web
from huiskamer.auth.guards import PUBLIC, require_login
from huiskamer.auth.middleware import CSRF_COOKIE, SESSION_COOKIE, AuthenticationMiddleware
from huiskamer.config import Settings
from huiskamer.db import alchemy_config
from huiskamer.importing import web as importing_web
from huiskamer.intake import agenda_web as intake_agenda_web
from huiskamer.intake import api as intake_api
from huiskamer.intake import catalogue_web as goal_catalogue_web
from huiskamer.intake import web as intake_web
from huiskamer.locations import api as locations_api
from huiskamer.locations import web as locations_web
from huiskamer.organisation import web as organisation_web
from huiskamer.placements import api as placements_api
from huiskamer.placements import web as placements_web
from huiskamer.precedence import UrgentFirst
from huiskamer.progress import api as progress_api
from huiskamer.progress import web as progress_web
from huiskamer.referrals import api as referrals_api
from huiskamer.referrals import web as referrals_web
from huiskamer.reports import api as reports_api
from huiskamer.reports import web as reports_web
from huiskamer.retention import web as retention_web
from huiskamer.site import api_page
from huiskamer.site import offline as offline_web
from huiskamer.site import web as site_web
from huiskamer.site.apidoc import SECURITY, SECURITY_COMPONENTS
from huiskamer.site.csrf import session_bound_csrf
from huiskamer.site.deps import dependencies
from huiskamer.site.errors import handle_exception, install_safe_access_log
from huiskamer.site.htmx import push_boosted_url
from huiskamer.site.security import RefuseMalformedPaths, allow_every_method, security_headers
from huiskamer.site.templating import template_config
from huiskamer.worker import running_in_background


def _lifespan(settings: Settings, alchemy: SQLAlchemyAsyncConfig):
    """The background worker while the app runs (when configured), and the engine's connections closed when it stops.

    advanced-alchemy's own lifespan disposes only the engine of the first app a process makes (a later config gets
    another state key, ``db_engine_1``, which that lifespan does not look for). A process with several apps (the
    tests, one per simulated worker) would otherwise keep pooled connections whose event loop has ended."""

    @asynccontextmanager
    async def lifespan(_app: Litestar) -> AsyncIterator[None]:
        try:
            if not settings.run_worker:
                yield
            else:
                async with running_in_background(alchemy.get_engine(), settings):
                    yield
        finally:
            await alchemy.get_engine().dispose()

    return lifespan


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    settings.require_secret()
    install_audit_hook()
    alchemy = alchemy_config(settings)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_safe_access_log()
    app = Litestar(
        route_handlers=[
            # The pages: HTML for people, not part of the API's OpenAPI document.
            Router(
                path="/",
                include_in_schema=False,
                route_handlers=[
                    *site_web.routes,
                    *offline_web.routes,
                    *auth_web.routes,
                    *account_web.routes,
                    *second_factor_web.routes,
                    *locations_web.routes,
                    *referrals_web.routes,
                    *intake_web.routes,
                    *intake_agenda_web.routes,
                    *goal_catalogue_web.routes,
                    *placements_web.routes,
                    *attendance_web.routes,
                    *progress_web.routes,
                    *reports_web.routes,
                    *audit_web.routes,
                    *privacy_web.routes,
                    *retention_web.routes,
                    *importing_web.routes,
                    *organisation_web.routes,
                    *api_page.routes,
                ],
            ),
            *auth_api.routes,
            *locations_api.routes,
            *referrals_api.routes,
            *intake_api.routes,
            *placements_api.routes,
            *attendance_api.routes,
            *progress_api.routes,
            *reports_api.routes,
            *privacy_web.api_routes,
            create_static_files_router(
                path="/static", directories=[settings.static_dir], opt=PUBLIC, name="static", include_in_schema=False
            ),
        ],
        plugins=[SQLAlchemyPlugin(config=alchemy), HTMXPlugin()],
        middleware=[UrgentFirst(), RefuseMalformedPaths(), AuthenticationMiddleware(), _csrf(settings)],
        guards=[require_login],
        dependencies=dependencies,
        exception_handlers={Exception: handle_exception},
        template_config=template_config(settings),
        openapi_config=OpenAPIConfig(
            title="Huiskamer API",
            version="1",
            description="De JSON-API van Huiskamer (api-v1.md). Leesbaar voor mensen: /beheer/api.",
            path="/schema",
            render_plugins=[JsonRenderPlugin()],
            security=SECURITY,
            components=SECURITY_COMPONENTS,
        ),
        state=State({"huiskamer_settings": settings, "huiskamer_alchemy": alchemy}),
        before_send=[security_headers(settings), push_boosted_url, allow_every_method],
        lifespan=[_lifespan(settings, alchemy)],
        request_max_body_size=2 * 1024 * 1024,
        debug=False,
    )
    return app


def _csrf(settings: Settings):
    """CSRF tokens bound to the browser's session (``site.csrf``)."""
    config = CSRFConfig(
        secret=settings.secret_key,
        cookie_name=settings.cookie_name(CSRF_COOKIE),
        cookie_secure=settings.secure_cookies,
        cookie_httponly=True,
        cookie_samesite="lax",
        header_name="x-csrftoken",
        # The API authenticates with a bearer token, never with a cookie, so it needs no CSRF token.
        exclude=["^/api/"],  # anchored: Litestar searches the path for it
    )
    return session_bound_csrf(config, settings.cookie_name(SESSION_COOKIE))


def create_server_app(settings: Settings | None = None) -> Litestar:
    """The app as a server process runs it (``huiskamer serve``'s factory, and the benchmarks).

    What start-up built (modules, the app, its routes and templates) lives as long as the process. Frozen, it is
    no longer walked by every full garbage collection during a request: those walks made the p95 of a 500-child
    waitlist several times its median (benchmarks/bench_placements.py). Only for a process that builds one app:
    frozen objects are never collected, so the tests, which build an app per test, keep plain ``create_app``.
    """
    app = create_app(settings)
    app.on_startup.append(_freeze_what_lives_on)  # after the lifespan's context managers: the engine, the worker
    return app


def _freeze_what_lives_on() -> None:
    """Freezes what the process built up to the start of its lifespan (modules, the app, the engine, the worker).

    The mappers are configured first: SQLAlchemy does it at the first query otherwise, after the freeze, which
    left 13,000 more objects for every full collection to walk. What requests build later (SQLAlchemy's statement
    caches, compiled templates) stays unfrozen: under the load benchmark a worker's full collections walked
    30,000 to 55,000 objects again after a minute, 30 to 90 ms each, every 10 to 20 s while coordinators browsed
    (and none while only phones tapped)."""
    configure_mappers()
    gc.collect()
    gc.freeze()
