"""How long does an organisation's spreadsheet of 5,000 children take to preview and to import? (issue 19)

Run: ``uv run python benchmarks/bench_import.py`` (SQLite in a temporary file and PostgreSQL in a scratch database
that the script creates and drops). ``--rows`` changes the size, ``--backends sqlite`` narrows it down.

The file: ``--rows`` rows as an XLSX, made here: most children on the waitlist of one of ten locations (two or
three in order of preference), a fifth placed (within each location's capacity), with the usual messiness (dates
as text and as cells, weekdays written in several ways, Dutch phone numbers in several forms). Measured per
database: reading the file, the preview (nothing written), the import (chunks of rows, each built by the services'
own rules and builders, a transaction per chunk: ``importing.service``), and a second import of the same file
(everything already present). Wall time and this process's CPU time (the database server's work is in the wall
time only; on a busy machine the wall time grows with the load, the CPU time hardly).

Targets (issue 19): a preview under 10 s and an import under 60 s for 5,000 rows, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook
from scratch_database import create_scratch_database, drop_scratch_database
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from huiskamer.audit.hook import AuditActor, acting_as, install_audit_hook
from huiskamer.auth.actor import Actor
from huiskamer.cli import upgrade_database
from huiskamer.config import Settings
from huiskamer.db import install_sqlite_pragmas
from huiskamer.importing import service
from huiskamer.importing.sheet import COLUMNS, read_file
from huiskamer.site.templating import today

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.factories import make_location, make_user

DAYS = ("ma", "di", "wo", "do", "vr")
SPELLINGS = (lambda d: " ".join(d).upper(), lambda d: ", ".join(d), lambda d: "/".join(d), lambda d: "-".join(d))
PHONES = ("06-{:08d}", "+31 6 {:08d}", "06{:08d}")  # 06-1... to 06-5...: ranges in use


def spreadsheet(rows: int, locations: list[str], seats: int, on: date) -> bytes:
    rng = random.Random(19)
    header = list(COLUMNS.values())
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Kinderen")
    sheet.append(header)
    placed: dict[tuple[str, str], int] = {}
    for n in range(rows):
        days = sorted(rng.sample(DAYS, rng.randint(1, 3)), key=DAYS.index)
        home = rng.choice(locations)
        wants_place = rng.random() < 0.2 and all(placed.get((home, d), 0) < seats for d in days)
        if wants_place:
            for d in days:
                placed[(home, d)] = placed.get((home, d), 0) + 1
        born = date(on.year - rng.randint(5, 11), rng.randint(1, 12), rng.randint(1, 28))
        values = {
            "Voornaam": f"Kind{n}",
            "Achternaam": rng.choice(("de Vries", "Yılmaz", "El Amrani", "Jansen", "Öztürk")),
            "Geboortedatum": born if n % 2 else f"{born:%d-%m-%Y}",
            "Ouder/verzorger": "Ouder",
            "Telefoon": rng.choice(PHONES).format(rng.randint(10_000_000, 59_999_999)),
            "Status": "geplaatst" if wants_place else "wachtlijst",
            "Locatie": home if wants_place else "; ".join([home, *rng.sample(locations, 2)]),
            "Dagen": rng.choice(SPELLINGS)(days),
            "Wacht sinds": "" if wants_place else on - timedelta(days=rng.randint(1, 700)),
            "Startdatum": on - timedelta(days=rng.randint(0, 300)) if wants_place else "",
            "Urgentie": rng.choice(("normaal", "normaal", "verhoogd", "hoog")),
            "Doelen": "Minder snel boos worden; Samenwerken",
        }
        sheet.append([values.get(column, "") for column in header])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def measure(url: str, rows: int) -> dict[str, tuple[float, float]]:
    """The organisation's set-up (ten locations of 60 seats a day, a beheerder), then the measured part."""
    settings = Settings(database_url=url, secret_key="x" * 32, dev_mode=False, run_worker=False)
    upgrade_database(settings)
    install_audit_hook()
    names = [f"Huiskamer {n}" for n in range(10)]
    for name in names:
        make_location(settings, name, seats=dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), 60))
    admin_id = make_user(settings, "admin", password=None)
    return asyncio.run(_measured(settings, url, rows, names, admin_id))


async def _measured(
    settings: Settings, url: str, rows: int, names: list[str], admin_id: object
) -> dict[str, tuple[float, float]]:
    on = today()
    figures: dict[str, tuple[float, float]] = {}

    def timed(label: str, started: tuple[float, float]) -> None:
        figures[label] = (time.perf_counter() - started[0], time.process_time() - started[1])

    started = (time.perf_counter(), time.process_time())
    content = spreadsheet(rows, names, 60, on)
    sheet = read_file(content, "kinderen.xlsx")
    timed("read the file", started)
    engine = create_async_engine(url)
    install_sqlite_pragmas(engine.sync_engine)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    from huiskamer.auth.models import User

    async with sessions() as db:
        actor = Actor.of(await db.get(User, admin_id))
    with acting_as(AuditActor(id=actor.id, label=f"{actor.name} (import)", role="admin")):
        for label, work in (
            ("preview", lambda db: service.preview(db, actor, sheet, on)),
            ("import", lambda db: service.run_import(db, actor, settings, sheet, "kinderen.xlsx", on)),
            (
                "import again (all present)",
                lambda db: service.run_import(db, actor, settings, sheet, "kinderen.xlsx", on),
            ),
        ):
            async with sessions() as db:
                started = (time.perf_counter(), time.process_time())
                result = await work(db)
                timed(label, started)
            preview = getattr(result, "preview", result)
            counts = {
                word: preview.count(word) for word in (service.NEW, service.IMPORTED, service.PRESENT, service.REFUSED)
            }
            print(f"    {label}: " + ", ".join(f"{count} {word}" for word, count in counts.items()))
    await engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("HUISKAMER_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432"),
    )
    args = parser.parse_args()
    targets = {"preview": 10.0, "import": 60.0}
    for backend in args.backends.split(","):
        print(f"\n{backend}, {args.rows} rows")
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                figures = measure(f"sqlite+aiosqlite:///{folder}/import.sqlite", args.rows)
        else:
            url, name = create_scratch_database(args.postgres, "import")
            try:
                figures = measure(url, args.rows)
            finally:
                drop_scratch_database(args.postgres, name)
        for label, (wall, cpu) in figures.items():
            target = targets.get(label)
            met = "gehaald" if target is not None and wall < target else "NIET gehaald"
            verdict = "" if target is None else f"  (doel < {target:.0f} s: {met})"
            print(f"  {label:<28} {wall:7.2f} s wall  {cpu:7.2f} s CPU{verdict}")


if __name__ == "__main__":
    main()
