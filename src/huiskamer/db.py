"""Database: the declarative base, the engine configuration and SQLite's pragmas."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from advanced_alchemy.base import UUIDAuditBase, UUIDBase, orm_registry
from advanced_alchemy.extensions.litestar import (
    AlembicAsyncConfig,
    AsyncSessionConfig,
    EngineConfig,
    SQLAlchemyAsyncConfig,
)
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.pool import NullPool

from huiskamer.config import PROJECT_ROOT, Settings
from huiskamer.errors import BUSY, Conflict

metadata = orm_registry.metadata


# Tables use advanced-alchemy's bases: an opaque UUID id (never a guessable sequence), and with
# ``UUIDAuditBase`` created_at/updated_at in UTC.
__all__ = ["UUIDAuditBase", "UUIDBase", "alchemy_config", "commit_or_busy", "metadata"]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers go on while one writer writes; the busy timeout makes a second
    # process wait for the write lock instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def install_sqlite_pragmas(sync_engine: Engine) -> None:
    if sync_engine.dialect.name == "sqlite" and not event.contains(sync_engine, "connect", _sqlite_pragmas):
        event.listen(sync_engine, "connect", _sqlite_pragmas)


def _jit_off(url: str) -> dict[str, Any]:
    """PostgreSQL's JIT compiles a query it guesses to be costly; for the reports' queries of a few hundred
    milliseconds the compiling took longer (up to 230 ms) than it saved (benchmarks/bench_reports.py). Each driver
    takes the setting in its own way (behind PgBouncer: add ``jit`` to its ``ignore_startup_parameters``)."""
    if url.startswith("postgresql+psycopg"):
        return {"options": "-c jit=off"}
    return {"server_settings": {"jit": "off"}}  # asyncpg


def alchemy_config(settings: Settings) -> SQLAlchemyAsyncConfig:
    # Imported here: the handler writes audit events, whose model needs this module's base classes first.
    from huiskamer import precedence
    from huiskamer.site.transaction import request_transaction_handler

    engine_config = EngineConfig(echo=settings.echo_sql)
    if not settings.is_sqlite:
        pool: dict[str, Any] = {"pool_size": 10, "max_overflow": 10, "pool_pre_ping": True}
        engine_config = EngineConfig(
            echo=settings.echo_sql,
            connect_args=_jit_off(settings.database_url),
            **(pool if settings.database_pool else {"poolclass": NullPool}),
        )
    config = SQLAlchemyAsyncConfig(
        connection_string=settings.database_url,
        engine_config=engine_config,
        session_config=AsyncSessionConfig(expire_on_commit=False),
        before_send_handler="autocommit_include_redirects",  # replaced below, once the session key is known
        create_all=False,
        metadata=metadata,
        alembic_config=AlembicAsyncConfig(
            script_location=str(PROJECT_ROOT / "migrations"),
            script_config=str(PROJECT_ROOT / "alembic.ini"),
            version_table_name="alembic_version",
        ),
    )
    config.before_send_handler = request_transaction_handler(config.session_scope_key)
    install_sqlite_pragmas(config.get_engine().sync_engine)
    precedence.install(config.get_engine().sync_engine)
    if settings.dev_mode:
        from huiskamer.audit.hook import install_write_guard

        install_write_guard(config.get_engine().sync_engine)
    return config


@dataclass
class _Turn:
    """The writers' turn of one process (one event loop): its queue, and who holds it now."""

    queue: asyncio.Lock = field(default_factory=asyncio.Lock)
    holder: Any = None  # the DBAPI connection of the request that has the turn
    released: asyncio.Future[None] | None = None


_writers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Turn] = weakref.WeakKeyDictionary()


@contextlib.asynccontextmanager
async def one_writer_per_process(db: AsyncSession) -> AsyncIterator[None]:
    """On SQLite, the requests that write take turns here before they ask SQLite for its write lock: in order within
    a process, and then across the processes through a lock on a file beside the database.

    Not for correctness: SQLite's lock already lets one writer in at a time, across processes. For fairness: a writer
    that finds the lock taken waits in SQLite's busy handler, which sleeps with a growing back-off (1, 2, 5, 10 ...
    100 ms) and lets late-comers in first. Twenty phones tapping at once in one worker each waited there (a tap
    waited up to 1.5 s at p95 in benchmarks/bench_day_list.py), hence the queue per process. Between the workers
    the same back-off applied, hence the file lock, which the kernel hands to the next waiter the moment it is
    released (benchmarks/bench_load.py on SQLite, one run each: tap p95 64 -> 47 ms with the phones alone, 123 ->
    87 ms with the coordinators browsing). PostgreSQL locks rows and needs none of this.
    """
    if db.get_bind().dialect.name != "sqlite":
        yield
        return
    loop = asyncio.get_running_loop()
    turn = _writers.get(loop)
    if turn is None:
        turn = _writers[loop] = _Turn()
    async with turn.queue, _writers_across_processes(db.get_bind().url.database):
        raw = await (await db.connection()).get_raw_connection()
        turn.holder, turn.released = raw.dbapi_connection, loop.create_future()
        try:
            yield
        finally:
            released, turn.holder, turn.released = turn.released, None, None
            released.set_result(None)


def holds_turn(loop: asyncio.AbstractEventLoop, conn: Any) -> bool:
    """Whether ``conn`` (a Connection) is the one of the request that has this process's writers' turn."""
    turn = _writers.get(loop)
    return turn is not None and turn.holder is not None and conn.connection.dbapi_connection is turn.holder


def turn_released(loop: asyncio.AbstractEventLoop) -> asyncio.Future[None] | None:
    """While a request of this process has the writers' turn: what is done when it passes the turn on."""
    turn = _writers.get(loop)
    return turn.released if turn is not None else None


@contextlib.asynccontextmanager
async def _writers_across_processes(database: str | None) -> AsyncIterator[None]:
    """An exclusive lock on ``<database>-writers.lock`` while the block runs (none for a database in memory).

    Waited for in a thread, as the kernel's wait blocks; a request cancelled while it waits closes the file once the
    lock came, so that the lock is never left held. Closing the file releases the lock, also when a process dies."""
    if not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    descriptor = os.open(f"{database}-writers.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        waiting = asyncio.ensure_future(asyncio.to_thread(fcntl.flock, descriptor, fcntl.LOCK_EX))
        try:
            await asyncio.shield(waiting)
        except BaseException:
            waiting.add_done_callback(lambda _: os.close(descriptor))
            raise
    except BaseException:
        os.close(descriptor)
        raise
    try:
        yield
    finally:
        os.close(descriptor)


async def commit_in_turn(db: AsyncSession, *, writes: bool) -> None:
    """Commits. On SQLite, a commit that ``writes`` the transaction's first write (the flush of pending objects, the
    access log of what a page showed) takes its turn first (``one_writer_per_process``), as a tap does, instead of
    sleeping in SQLite's busy handler while the turns go round: such a writer waited up to 600 ms there, and a tap
    that had the turn then overslept the lock in the same back-off while every other tap queued behind it
    (benchmarks/bench_load.py). A transaction that has written already holds SQLite's lock and commits at once:
    waiting for a turn while holding the lock could deadlock with the writer whose turn it is. The access log's rows
    of what the request read are made before the turn (``audit.access.prepare_pending``): they held a waitlist's
    turn for half of its 11 ms."""
    if writes:
        from huiskamer import precedence
        from huiskamer.audit.access import prepare_pending

        await precedence.before_writing_commit(db)
        await db.run_sync(prepare_pending)
    if writes and db.get_bind().dialect.name == "sqlite" and not await _has_written(db):
        async with one_writer_per_process(db):
            await db.commit()
        return
    await db.commit()


async def _has_written(db: AsyncSession) -> bool:
    """Whether the SQLite transaction has written (Python's sqlite3 begins a transaction at the first write only)."""
    if not db.in_transaction():
        return False
    raw = await (await db.connection()).get_raw_connection()
    return bool(getattr(raw.driver_connection, "in_transaction", True))


async def commit_or_busy(db: AsyncSession) -> None:
    """Commits now, so that a lock that timed out reaches the user as a message (409) instead of the silent
    rollback of the request's own commit, which happens after the answer is chosen."""
    try:
        await db.commit()
    except OperationalError as error:
        await db.rollback()
        raise Conflict(BUSY) from error
