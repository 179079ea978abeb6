"""On SQLite, writers of several server processes take turns through a lock on a file beside the database
(``db.one_writer_per_process``): the next one goes in the moment the lock is released, not after SQLite's busy
handler has slept, and a request cancelled while it waits never leaves the lock held. Real processes, a real file."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from huiskamer import precedence
from huiskamer.db import commit_in_turn, one_writer_per_process
from tests.factories import run_coroutine

HOLDER = """
import asyncio, sys, time
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from huiskamer.db import one_writer_per_process

async def main():
    engine = create_async_engine(sys.argv[1])
    async with AsyncSession(engine) as db, one_writer_per_process(db):
        print("held", flush=True)
        time.sleep(float(sys.argv[2]))
    await engine.dispose()

asyncio.run(main())
"""


def _hold_in_another_process(url: str, seconds: float) -> subprocess.Popen[str]:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, url, str(seconds)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


async def _take_turn(url: str, timeout: float) -> float:
    """Seconds until this process's writer got its turn (TimeoutError after ``timeout``)."""
    engine = create_async_engine(url)
    started = time.monotonic()
    try:
        async with AsyncSession(engine) as db, asyncio.timeout(timeout), one_writer_per_process(db):
            return time.monotonic() - started
    finally:
        await engine.dispose()


def test_a_writer_waits_for_the_writer_of_another_process_and_goes_in_when_it_is_done(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'writers.sqlite'}"
    holder = _hold_in_another_process(url, 0.8)
    try:
        waited = run_coroutine(_take_turn(url, timeout=10))
    finally:
        holder.wait(10)
    assert 0.4 < waited < 5
    assert (tmp_path / "writers.sqlite-writers.lock").exists()
    assert run_coroutine(_take_turn(url, timeout=1)) < 0.5  # nobody holds it now: at once


def test_a_writer_cancelled_while_it_waits_leaves_the_lock_free(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'writers.sqlite'}"
    holder = _hold_in_another_process(url, 0.8)
    try:
        try:
            run_coroutine(_take_turn(url, timeout=0.2))
        except TimeoutError:
            pass
        else:
            raise AssertionError("the lock is held by the other process: the turn cannot have come within 0.2 s")
    finally:
        holder.wait(10)
    # The cancelled wait got the lock when the holder ended, and let go of it at once: another process goes in (a
    # lock left held would keep it waiting until the time-out, and fail the test).
    started = time.monotonic()
    assert subprocess.run([sys.executable, "-c", HOLDER, url, "0"], capture_output=True, timeout=20).returncode == 0
    assert time.monotonic() - started < 15


def test_a_database_in_memory_needs_no_lock_file(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run_coroutine(_take_turn("sqlite+aiosqlite:///:memory:", timeout=1)) < 0.5
    assert list(tmp_path.iterdir()) == []


async def _commit_after(url: str, *, written_before: bool) -> float:
    """Seconds ``commit_in_turn`` took for a transaction that writes (already, or only at its commit)."""
    engine = create_async_engine(url)
    try:
        async with AsyncSession(engine) as db:
            await db.execute(text("CREATE TABLE IF NOT EXISTS views (n INTEGER)"))
            await db.commit()
            if written_before:
                await db.execute(text("INSERT INTO views VALUES (1)"))
            started = time.monotonic()
            await commit_in_turn(db, writes=True)
            return time.monotonic() - started
    finally:
        await engine.dispose()


def test_a_commit_that_makes_the_first_write_takes_its_turn_and_one_that_wrote_already_does_not(tmp_path: Path):
    """The end of a request that only writes at its commit (the access log of what a page showed) waits for its
    turn like a tap, instead of in SQLite's busy handler; one that holds SQLite's lock already commits at once
    (waiting for a turn then could deadlock with the writer whose turn it is)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'writers.sqlite'}"
    run_coroutine(_commit_after(url, written_before=False))  # the table, before anyone holds a turn
    holder = _hold_in_another_process(url, 0.8)
    try:
        assert run_coroutine(_commit_after(url, written_before=True)) < 0.4
        assert run_coroutine(_commit_after(url, written_before=False)) > 0.3
    finally:
        holder.wait(10)


# --- while a request has the turn, the process's other requests wait at their next statement -------------------


async def _while_held(url: str, *, reader_wrote: bool = False, holders: int = 1) -> list[str]:
    """What happened in which order: ``holders`` requests take the turn one after the other, each running a
    statement and then keeping it 0.2 s (as a tap whose task waits for the event loop); a second request runs a
    statement while the first holds it."""
    engine = create_async_engine(url)
    precedence.install(engine.sync_engine)
    order: list[str] = []
    first_holds = asyncio.Event()
    try:
        async with AsyncSession(engine) as reader:
            await reader.execute(text("CREATE TABLE IF NOT EXISTS views (n INTEGER)"))
            await reader.commit()
            await reader.execute(text("INSERT INTO views VALUES (1)") if reader_wrote else text("SELECT 1"))

            async def hold(n: int) -> None:
                async with AsyncSession(engine) as db, one_writer_per_process(db):
                    first_holds.set()
                    await db.execute(text("SELECT count(*) FROM views"))  # the holder's own statements go on
                    await asyncio.sleep(0.2)
                    order.append(f"holder {n} done")

            async def read() -> None:
                await first_holds.wait()
                await reader.execute(text("SELECT 2"))
                order.append("reader")

            await asyncio.gather(*(hold(n) for n in range(1, holders + 1)), read())
            await reader.rollback()
        return order
    finally:
        await engine.dispose()


def test_a_statement_of_another_request_waits_while_a_request_of_this_process_has_the_turn(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'writers.sqlite'}"
    assert run_coroutine(_while_held(url)) == ["holder 1 done", "reader"]


def test_a_request_that_has_begun_writing_does_not_wait_for_the_holder(tmp_path: Path):
    """It holds SQLite's write lock itself: the holder may be waiting for it to finish."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'writers.sqlite'}"
    assert run_coroutine(_while_held(url, reader_wrote=True)) == ["reader", "holder 1 done"]


def test_a_statement_waits_for_one_holder_only(tmp_path: Path):
    """Taps in a row (the next one takes the turn the moment the last lets go) do not starve a page."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'writers.sqlite'}"
    assert run_coroutine(_while_held(url, holders=2)) == ["holder 1 done", "reader", "holder 2 done"]
