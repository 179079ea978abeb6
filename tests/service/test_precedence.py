"""Inside one worker a kinderwerker's tap goes first (``huiskamer.precedence``): while an urgent request is answered,
the worker's other requests wait at their next statement; never for a request that came after them, never longer
than ``LONGEST_WAIT``, and never once their connection has written (it may hold a lock the tap waits for). On both
databases, with the app's own listener on a real engine."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from litestar import Litestar, get
from litestar.response import Stream
from litestar.testing import TestClient
from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from huiskamer import precedence
from huiskamer.app import create_app
from huiskamer.db import commit_in_turn
from tests.factories import run_coroutine

# A write that changes nothing (no row has this chain): as a page's first write, before its commit.
NO_CHANGE = text("UPDATE chain_heads SET seq = seq WHERE chain = 'geen'")
READ = text("SELECT 1")


@pytest.fixture(autouse=True)
def _patient(monkeypatch: pytest.MonkeyPatch) -> None:
    """The scenarios' taps take tenths of seconds; the bound on a wait has a test of its own."""
    monkeypatch.setattr(precedence, "LONGEST_WAIT", 5.0)


async def _with_engine(url: str, scenario: Callable[[AsyncEngine, list[str]], Awaitable[None]]) -> list[str]:
    engine = create_async_engine(url)
    precedence.install(engine.sync_engine)
    order: list[str] = []
    try:
        await scenario(engine, order)
        return order
    finally:
        await engine.dispose()


async def _tap(engine: AsyncEngine, order: list[str], name: str, seconds: float, started: asyncio.Event) -> None:
    """An urgent request: a statement, then its task busy elsewhere for ``seconds``."""
    async with precedence.urgent_request(), AsyncSession(engine) as db:
        started.set()
        await db.execute(text("SELECT 1"))
        await asyncio.sleep(seconds)
        order.append(f"{name} done")


async def _second_statement(page: AsyncSession) -> str:
    await page.execute(text("SELECT 2"))
    return "page"


async def _writing_commit(page: AsyncSession) -> str:
    """The commit of a page that showed children (``db.commit_in_turn``: its access log)."""
    await commit_in_turn(page, writes=True)
    return "page committed"


def _page_beside_a_tap(
    url: str, first: TextClause = READ, then: Callable[[AsyncSession], Awaitable[str]] = _second_statement
) -> list[str]:
    """The order in which a tap (0.3 s long) and a page's next step (``then``) end; the page ran ``first`` first."""

    async def scenario(engine: AsyncEngine, order: list[str]) -> None:
        tap_started = asyncio.Event()
        async with AsyncSession(engine) as page:
            await page.execute(first)

            async def browse() -> None:
                await tap_started.wait()
                order.append(await then(page))

            await asyncio.gather(_tap(engine, order, "tap", 0.3, tap_started), browse())
            await page.rollback()

    return run_coroutine(_with_engine(url, scenario))


def test_a_pages_statement_waits_while_a_tap_is_answered_in_the_same_worker(database_url: str):
    assert _page_beside_a_tap(database_url) == ["tap done", "page"]


def test_a_page_that_has_written_goes_on(database_url: str):
    """Its connection may hold a lock (a row on PostgreSQL, the database on SQLite) that the tap is waiting for."""
    assert _page_beside_a_tap(database_url, NO_CHANGE) == ["page", "tap done"]


def test_a_pages_commit_that_writes_waits_while_a_tap_is_answered(database_url: str):
    """It would take SQLite's writers' turn (or the access log's head on PostgreSQL) that the tap needs next."""
    assert _page_beside_a_tap(database_url, then=_writing_commit) == ["tap done", "page committed"]


def test_the_commit_of_a_page_that_has_written_goes_on(database_url: str):
    assert _page_beside_a_tap(database_url, NO_CHANGE, _writing_commit) == ["page committed", "tap done"]


@pytest.mark.parametrize(
    ("statement", "takes_no_lock"),
    [
        ("SELECT 1", True),
        ("  select a from b where c = :c", True),
        ("SELECT x.for_update FROM t", True),
        ("SELECT a FROM b FOR UPDATE OF b", False),
        ("SELECT a FROM b FOR NO KEY UPDATE", False),
        ("SELECT a FROM b FOR SHARE", False),
        ("SELECT a FROM b FOR KEY SHARE", False),
        ("SELECT pg_advisory_xact_lock(1)", False),
        ("UPDATE chain_heads SET seq = seq", False),
        ("INSERT INTO t VALUES (1)", False),
        ("WITH a AS (SELECT 1) SELECT * FROM a", False),  # in doubt: a write (the connection no longer waits)
    ],
)
def test_a_statement_that_may_take_a_lock_counts_as_a_write(statement: str, takes_no_lock: bool):
    """After a row lock (PostgreSQL) as after a write, the page's connection goes on as above."""
    assert precedence.takes_no_lock(statement) is takes_no_lock


def test_a_taps_statements_do_not_wait_for_another_tap(database_url: str):
    async def scenario(engine: AsyncEngine, order: list[str]) -> None:
        first_started, second_started = asyncio.Event(), asyncio.Event()

        async def second() -> None:
            await first_started.wait()
            await _tap(engine, order, "tap 2", 0.0, second_started)

        await asyncio.gather(_tap(engine, order, "tap 1", 0.3, first_started), second())

    assert run_coroutine(_with_engine(database_url, scenario)) == ["tap 2 done", "tap 1 done"]


def test_a_statement_waits_only_for_the_taps_in_flight_when_it_came(database_url: str):
    """A stream of taps does not starve a page: it waits for tap 1, not for tap 2 that began while it waited."""

    async def scenario(engine: AsyncEngine, order: list[str]) -> None:
        first_started, second_started = asyncio.Event(), asyncio.Event()
        async with AsyncSession(engine) as page:
            await page.execute(text("SELECT 1"))

            async def browse() -> None:
                await first_started.wait()
                await page.execute(text("SELECT 2"))
                order.append("page")

            async def later_tap() -> None:
                await first_started.wait()
                await asyncio.sleep(0.1)  # the page is waiting by now
                await _tap(engine, order, "tap 2", 0.6, second_started)

            await asyncio.gather(_tap(engine, order, "tap 1", 0.3, first_started), browse(), later_tap())
            await page.rollback()

    assert run_coroutine(_with_engine(database_url, scenario)) == ["tap 1 done", "page", "tap 2 done"]


def test_a_statement_waits_no_longer_than_the_longest_wait(database_url: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(precedence, "LONGEST_WAIT", 0.1)
    waited: list[float] = []

    async def scenario(engine: AsyncEngine, order: list[str]) -> None:
        tap_started = asyncio.Event()
        async with AsyncSession(engine) as page:
            await page.execute(text("SELECT 1"))

            async def browse() -> None:
                await tap_started.wait()
                started = time.monotonic()
                await page.execute(text("SELECT 2"))
                waited.append(time.monotonic() - started)
                order.append("page")

            await asyncio.gather(_tap(engine, order, "tap", 1.0, tap_started), browse())
            await page.rollback()

    assert run_coroutine(_with_engine(database_url, scenario)) == ["page", "tap done"]
    assert 0.08 < waited[0] < 0.6


# --- which requests are urgent ----------------------------------------------------------------------------------


@get("/urgent", opt={precedence.URGENT: True})
async def _urgent_route() -> dict[str, bool]:
    return {"urgent": precedence.in_urgent_request(), "in_flight": precedence.urgent_in_flight()}


@get("/page")
async def _page_route() -> dict[str, bool]:
    return {"urgent": precedence.in_urgent_request(), "in_flight": precedence.urgent_in_flight()}


@get("/urgent-body", opt={precedence.URGENT: True})
async def _urgent_body_route() -> Stream:
    async def body() -> AsyncIterator[str]:
        yield f"{precedence.urgent_in_flight()}"

    return Stream(body())


def test_the_middleware_marks_the_requests_of_urgent_routes_only():
    app = Litestar(
        route_handlers=[_urgent_route, _page_route, _urgent_body_route], middleware=[precedence.UrgentFirst()]
    )
    with TestClient(app) as client:
        assert client.get("/urgent").json() == {"urgent": True, "in_flight": 1}
        assert client.get("/page").json() == {"urgent": False, "in_flight": 0}
        # Once the answer has started, nobody waits for it: a phone on a poor network may take its time.
        assert client.get("/urgent-body").text == "0"


def test_the_day_list_and_its_taps_are_the_urgent_routes(test_settings):
    """The kinderwerker's phone, in a busy room: the day list, a tap on it and a tap through the API."""
    handlers = [handler for route in create_app(test_settings).routes for handler in route.route_handlers]
    urgent = {handler.name for handler in handlers if handler.opt.get(precedence.URGENT)}
    assert urgent == {"day_list_today", "day_list_page", "day_list_on", "day_list_sheet", "api_attendance_mark"}
