"""Who goes first inside one worker: a kinderwerker's tap before a coordinator's page.

A worker serves all its requests on one event loop. A tap is about ten short statements, and before each next one
its task waits for the loop, which the pages' steps (a report's figures, a waitlist's ranking, a template) keep
busy. Beside ten coordinators' pages a tap's p95 was 1.5 to 2 times its p95 with the phones alone
(benchmarks/bench_load.py; with this rule the mixed p95 fell from a median of 47 to 34 ms on SQLite and from 45 to
31 ms on PostgreSQL, four pairs of runs each).

So while an urgent request (a route with ``opt={URGENT: True}``: the day list and its taps) is answered in a
worker, the worker's other requests wait at their next statement until the urgent requests in flight at that moment
are done. And on SQLite, while a request holds the writers' turn (``db.one_writer_per_process``), every other
request of the worker waits at its next statement until the turn is passed on, since every writer of every worker
queues behind it. A commit that writes (a page's access log) waits the same way before it takes the turn
(``before_writing_commit``): taken at once, it made the taps in flight queue behind it.

Nobody starves: a statement waits once, for those in flight when it came, never for the ones that come after it,
and at most ``LONGEST_WAIT``. Nobody deadlocks: a connection that has written in its transaction holds locks that an
urgent request may be waiting for, so it goes on, and so does the holder of the writers' turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import weakref
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from typing import Any

from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.util import await_only

from huiskamer import db

URGENT = "urgent"  # the key in a route handler's ``opt``
LONGEST_WAIT = 0.25  # seconds a statement waits at most; a tap takes 10-50 ms (and the rules exclude a deadlock)

_urgent_here: ContextVar[bool] = ContextVar("urgent_request", default=False)
_in_flight: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, set[asyncio.Future[None]]] = (
    weakref.WeakKeyDictionary()
)
_WROTE = "huiskamer_wrote_in"  # connection.info: the transaction in which the connection wrote


class UrgentFirst(ASGIMiddleware):
    """Marks the requests of urgent routes as in flight while they are answered (see the module)."""

    scopes = ("http",)  # type: ignore[assignment]

    @staticmethod
    def should_bypass_for_scope(scope: Scope) -> bool:  # type: ignore[override]
        return not scope["route_handler"].opt.get(URGENT)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        async with urgent_request() as done:

            async def send_then_done(message: Message) -> None:
                await send(message)  # the answer's start: the request's transaction has ended (site.transaction)
                if message["type"] == "http.response.start":
                    done()  # the body may go slowly to a phone on a poor network: nobody waits for that

            await next_app(scope, receive, send_then_done)


@contextlib.asynccontextmanager
async def urgent_request() -> AsyncIterator[Callable[[], None]]:
    """This task's request is urgent while the block runs, and in flight until the block ends or it calls what the
    block is given."""
    loop = asyncio.get_running_loop()
    flights = _in_flight.setdefault(loop, set())
    flight: asyncio.Future[None] = loop.create_future()
    flights.add(flight)

    def done() -> None:
        flights.discard(flight)
        if not flight.done():
            flight.set_result(None)

    token = _urgent_here.set(True)
    try:
        yield done
    finally:
        _urgent_here.reset(token)
        done()


def in_urgent_request() -> bool:
    return _urgent_here.get()


def urgent_in_flight() -> int:
    """How many urgent requests this worker (its event loop) is answering now."""
    return len(_in_flight.get(asyncio.get_running_loop(), ()))


def install(sync_engine: Engine) -> None:
    """For the app's engine (an async one: its statements run in a greenlet that can wait for the loop)."""
    if not event.contains(sync_engine, "before_cursor_execute", _others_wait):
        event.listen(sync_engine, "before_cursor_execute", _others_wait)


async def before_writing_commit(session: AsyncSession) -> None:
    """Before a commit of a request that is not urgent writes (a page's access log, a form's change) and so takes the
    writers' turn on SQLite, or the chains' heads that every tap also appends to: it waits as its next statement
    would (``_what_to_wait_for``), so that the taps in flight do not queue behind it. Nothing to wait for once its
    connection has written: it may hold a lock a tap waits for."""
    waits = _what_to_wait_for((await session.connection()).sync_connection)
    if waits:
        await asyncio.wait(waits, timeout=LONGEST_WAIT)


def _others_wait(conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
    waits = _what_to_wait_for(conn)
    if not takes_no_lock(statement):
        conn.info[_WROTE] = conn.get_transaction()
    if waits:
        await_only(asyncio.wait(waits, timeout=LONGEST_WAIT))


def _what_to_wait_for(conn: Any) -> list[asyncio.Future[None]]:
    loop = asyncio.get_running_loop()
    wrote_in = conn.info.get(_WROTE)
    if (wrote_in is not None and wrote_in is conn.get_transaction()) or db.holds_turn(loop, conn):
        return []
    waits = [] if in_urgent_request() else list(_in_flight.get(loop, ()))
    if (turn := db.turn_released(loop)) is not None:
        waits.append(turn)
    return waits


_LOCKING = re.compile(r"\bFOR\s+(NO\s+KEY\s+UPDATE|UPDATE|SHARE|KEY\s+SHARE)\b|\bpg_advisory", re.IGNORECASE)


def takes_no_lock(statement: str) -> bool:
    """A plain read takes no lock (SQLite's snapshot, PostgreSQL's rows); anything else might. When in doubt: a
    write, which only means that the connection no longer waits."""
    return statement.lstrip()[:6].upper() == "SELECT" and not _LOCKING.search(statement)
