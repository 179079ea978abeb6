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
