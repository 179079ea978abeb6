"""Shared test set-up: one database per test run (SQLite, or PostgreSQL when HUISKAMER_TEST_POSTGRES_URL is set),
migrated with Alembic, emptied before every test; an app and a client per test; hypothesis profiles.

In CI (CI=true) a skipped test fails the run: browser and PostgreSQL tests must really run there.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from huiskamer.cli import upgrade_database
from huiskamer.config import Settings, normalise_database_url
from huiskamer.db import metadata

settings.register_profile(
    "dev", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.register_profile(
    "ci", max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

POSTGRES_URL = os.environ.get("HUISKAMER_TEST_POSTGRES_URL", "")
BACKEND = "postgresql" if POSTGRES_URL else "sqlite"


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _sync_url(url: str) -> str:
    return url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg")


def _postgres_database_for_worker() -> str:
    """A database of our own per test process (and xdist worker), created fresh from the configured server."""
    base = make_url(normalise_database_url(POSTGRES_URL))
    name = f"huiskamer_test_{_worker()}_{os.getpid()}"
    admin = create_engine(_sync_url(base.render_as_string(hide_password=False)), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _drop_postgres_database(url: str) -> None:
    target = make_url(url)
    admin_url = make_url(normalise_database_url(POSTGRES_URL)).render_as_string(hide_password=False)
    admin = create_engine(_sync_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if BACKEND == "postgresql":
        url = _postgres_database_for_worker()
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'huiskamer-test.sqlite'}"
    upgrade_database(Settings(database_url=url))
    yield url
    if BACKEND == "postgresql":
        _drop_postgres_database(url)


@pytest.fixture(scope="session")
def sync_engine(database_url: str):
    engine = create_engine(_sync_url(database_url))
    yield engine
    engine.dispose()


# Reference data that the migrations put in place; every test starts with it, as a new installation does.
KEPT_TABLES = {"goal_catalogue"}


def empty_database(sync_engine) -> None:
    tables = [table for table in metadata.sorted_tables if table.name not in KEPT_TABLES]
    with sync_engine.begin() as connection:
        if sync_engine.dialect.name == "postgresql":
            _empty_postgres(connection, tables)
        else:
            for table in reversed(tables):
                connection.execute(table.delete())


def _empty_postgres(connection, tables) -> None:
    """Deletes the rows of the tables that hold any, with triggers and foreign-key checks off for this transaction.

    TRUNCATE of every table took 130 ms per test (PostgreSQL makes a new file for each table it truncates), about a
    tenth of the PostgreSQL run; most tests write to a few tables, and one probe finds which. The triggers are off so
    that emptying a table writes nothing into another (the report cache's change log), in any order.
    """
    probe = " UNION ALL ".join(f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")" for t in tables)
    holding = [name for (name,) in connection.execute(text(probe))]
    if not holding:
        return
    connection.execute(text("SET LOCAL session_replication_role = replica"))  # the test server's user is a superuser
    for name in holding:
        connection.execute(text(f'DELETE FROM "{name}"'))


# One secret key per test process: equal settings then make equal keys for the shared apps below.
_SECRET_KEY = secrets.token_hex(32)


@pytest.fixture
def test_settings(database_url: str, sync_engine) -> Settings:
    empty_database(sync_engine)
    return Settings(
        database_url=database_url,
        secret_key=_SECRET_KEY,
        dev_mode=True,
        run_worker=False,  # tests run the worker's jobs themselves, when they want them
        base_url="http://testserver.local",
        # Asked for by the second factor's own tests (tests/web/test_second_factor.py), not by every log-in.
        second_factor_required=False,
    )


# Building the app costs about 0.4 s of CPU (Litestar inspects every handler's signature), more than most tests
# take. An app keeps nothing of a test between its lifespans: state lives in the database, which every test empties,
# so the tests of a process share the apps per settings (frozen, hence a key); a test with several browsers at once
# gets as many different apps (``make_client``). Every test client runs an event loop of its own, and asyncpg's
# connections belong to the loop that opened them: a pooled connection left by one test broke the next test's
# requests ("Event loop is closed"). The app's lifespan closes them when a test client ends (``app._lifespan``:
# advanced-alchemy's own disposes only the engine of a process's first app).
_apps: dict[Settings, list] = {}


def shared_app(settings: Settings, index: int = 0):
    from huiskamer.app import create_app

    apps = _apps.setdefault(settings, [])
    while len(apps) <= index:
        apps.append(create_app(settings))
    return apps[index]


@pytest.fixture
def app(test_settings: Settings):
    return shared_app(test_settings)


@pytest.fixture
def client(app) -> Iterator:
    from litestar.testing import TestClient

    with TestClient(app, base_url="http://testserver.local") as test_client:
        yield test_client


@pytest.fixture
def make_client(test_settings: Settings) -> Iterator:
    """For tests with several people at once: ``make_client()`` gives another browser.

    Each browser talks to an app instance of its own on the same database, as another worker would: every
    test client runs its own event loop, and asyncpg's pooled connections belong to the loop that opened them.
    The first shared app is the ``app`` fixture's, which the ``client`` of the same test may be using.
    """
    from litestar.testing import TestClient

    clients: list[TestClient] = []

    def make() -> TestClient:
        test_client = TestClient(shared_app(test_settings, 1 + len(clients)), base_url="http://testserver.local")
        test_client.__enter__()
        clients.append(test_client)
        return test_client

    yield make
    for test_client in clients:
        test_client.__exit__(None, None, None)


def run(coro):
    """Run a coroutine from a synchronous test (factories use their own engine)."""
    from tests.factories import run_coroutine

    return run_coroutine(coro)


# --- the tests that do not depend on the database, once ------------------------------------------------
# tests/unit touches no database, and the OpenAPI fuzzing always runs on a SQLite database of its own: on PostgreSQL
# they would repeat exactly the checks of the SQLite run (CI runs the suite once per database), at about a fifth of
# the run's time. HUISKAMER_TEST_UNIT=1 collects them there too.
SAME_ON_EVERY_DATABASE = ["unit/*", "web/test_openapi_schemathesis.py"]
collect_ignore_glob = (
    SAME_ON_EVERY_DATABASE if BACKEND == "postgresql" and not os.environ.get("HUISKAMER_TEST_UNIT") else []
)


# --- order: the browser tests last ---------------------------------------------------------------
# Playwright's sync API keeps an event loop running in the main thread while a browser is open; the other
# tests drive asyncio themselves, so they go first, and the browser tests open and close per module.


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: "/browser/" in str(item.path))


# --- CI: a skip is a failure --------------------------------------------------------------------

_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("CI") and _skipped and exitstatus == 0:
        session.exitstatus = 1
        print(f"\nIn CI mag geen test worden overgeslagen; overgeslagen: {_skipped[:10]}")


ROOT = Path(__file__).resolve().parents[1]
