"""How fast is searching a child by name in the inbox with 100,000 referrals?

Run: ``uv run python benchmarks/bench_search.py`` (both databases, 100,000 referrals, 50 runs per search).

The database is filled as in ``bench_referrals.py`` (a federation of ten cities, 400 locations). Measured, as
the coordinator of the large location: the inbox page with a search (``GET /aanmeldingen?zoek=…``, all
statuses), the fragment htmx asks for while typing, and ``GET /api/v1/referrals?q=…``; as the referrer with
300 referrals: the API's search. Searches: a piece of a family name with an accent typed without it ("ozt"),
a full name with a tussenvoegsel ("lotte van den berg"), two letters ("ba": the widest), and a date of birth.

Target: p95 under 100 ms for each on SQLite and PostgreSQL. Prints the median, p95 and the process's CPU p95,
plus the number of statements per request. On PostgreSQL it prints the plan of the name search on ``children``
to show the trigram index in use.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import tempfile
import time
from typing import Any

from bench_credentials import credentials
from bench_referrals import Cast, build, sqlite_url, timed
from scratch_database import create_scratch_database, drop_scratch_database
from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from huiskamer.audit.hook import install_audit_hook
from huiskamer.auth.middleware import SESSION_COOKIE
from huiskamer.cli import upgrade_database
from huiskamer.config import Settings
from huiskamer.referrals import search
from huiskamer.referrals.models import Child

SEARCHES = ("ozt", "lotte van den berg", "ba")


def _statements(client: Any, app: Any, path: str, **request: Any) -> int:
    engine = app.state["huiskamer_alchemy"].get_engine().sync_engine
    count = 0

    def counted(*_args: Any) -> None:
        nonlocal count
        count += 1

    event.listen(engine, "before_cursor_execute", counted)
    try:
        client.get(path, **request)
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    return count


async def _a_birthday(url: str) -> str:
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        born = (await connection.execute(select(Child.date_of_birth).limit(1))).scalar_one()
        plan = ""
        if engine.dialect.name == "postgresql":
            statement = select(Child.id).where(search.child_matches(search.parse("ozt")))
            compiled = statement.compile(engine.sync_engine, compile_kwargs={"literal_binds": True})
            plan = "\n".join(str(r[0]) for r in await connection.execute(text(f"EXPLAIN {compiled}")))
    await engine.dispose()
    if plan:
        print("    plan van de naamzoekvraag:\n      " + plan.replace("\n", "\n      "))
    return born.strftime("%d-%m-%Y")


def measure(url: str, cast: Cast, runs: int) -> list[tuple[str, float, float, float, int]]:
    from litestar.testing import TestClient

    from huiskamer.app import create_server_app

    settings = Settings(
        database_url=url, secret_key=secrets.token_hex(32), dev_mode=True, run_worker=False, base_url="http://b.local"
    )
    coordinator_token, coordinator_session = asyncio.run(credentials(url, settings, cast.coordinator))
    referrer_token, _ = asyncio.run(credentials(url, settings, cast.referrer))
    birthday = asyncio.run(_a_birthday(url))
    app = create_server_app(settings)
    results = []
    with TestClient(app, base_url="http://b.local") as client:
        cases: list[tuple[str, str, dict[str, str], str | None]] = []
        for words in (*SEARCHES, birthday):
            q = words.replace(" ", "+")
            cases += [
                (f"coördinator inbox  zoek={words}", f"/aanmeldingen?status=alle&zoek={q}", {}, coordinator_session),
                (
                    f"coördinator htmx   zoek={words}",
                    f"/aanmeldingen?status=alle&zoek={q}",
                    {"HX-Request": "true"},
                    coordinator_session,
                ),
                (
                    f"coördinator API    q={words}",
                    f"/api/v1/referrals?q={q}",
                    {"Authorization": f"Bearer {coordinator_token}"},
                    None,
                ),
            ]
        cases.append(
            ("verwijzer   API    q=ba", "/api/v1/referrals?q=ba", {"Authorization": f"Bearer {referrer_token}"}, None)
        )
        for label, path, headers, session in cases:
            client.cookies.clear()
            if session:
                client.cookies.set(SESSION_COOKIE, session)
            median, p95, cpu_p95, _size = timed(client, path, runs, headers=headers)
            statements = _statements(client, app, path, headers=headers)
            results.append((label, median, p95, cpu_p95, statements))
            verdict = "ok" if p95 < 100 else "TE TRAAG"
            print(
                f"    {label:<44} mediaan {median:6.1f} ms   p95 {p95:6.1f} ms   CPU p95 {cpu_p95:6.1f} ms"
                f"   {statements:2d} queries  {verdict}",
                flush=True,
            )
    return results


def run_one(backend: str, size: int, runs: int, server: str, directory: str) -> None:
    dropped = None
    if backend == "sqlite":
        url = sqlite_url(directory, size)
    else:
        url, dropped = create_scratch_database(server, f"search{size}")
    try:
        upgrade_database(Settings(database_url=url))
        started = time.perf_counter()
        cast = asyncio.run(build(url, size))
        print(
            f"  {backend} {size:,}: gevuld in {time.perf_counter() - started:.0f} s; de coördinator ziet "
            f"{cast.coordinator_scope:,} aanmeldingen; load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        measure(url, cast, runs)
    finally:
        if dropped:
            drop_scratch_database(server, dropped)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--backends", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("HUISKAMER_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432"),
    )
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    install_audit_hook()
    with tempfile.TemporaryDirectory(prefix="huiskamer-bench-") as directory:
        for backend in args.backends:
            for size in args.sizes:
                run_one(backend, size, args.runs, args.postgres, directory)
    print(f"\nbelasting van de machine (load average): {os.getloadavg()[0]:.1f} op {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
