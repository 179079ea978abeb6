"""Would the demo stay quick if its children came in through the import? (issue 19, point 6)

Run: ``uv run python benchmarks/bench_demo_import.py`` (SQLite in a temporary file and PostgreSQL in scratch
databases that the script creates and drops; a few minutes per database). ``--backends sqlite`` narrows it down.

Per database, each on an empty database of its own, wall time and this process's CPU time of:

- **the demo build**: the migrations and ``load_demo``, what ``huiskamer demo`` does;
- **bulk**: the demo organisation, then every row the generators make inserted as the demo inserts them
  (``demo.load.insert_rows``): the part of the build that the import could replace, and more;
- **import**: the demo organisation, then the demo's children who are waiting or placed (the only ones a
  spreadsheet can bring in) as rows of a spreadsheet through ``importing.service.run_import``: the preview, then
  every row through the services, as an organisation's file.

The bar (issue 19): routing the demo through the import is worth it only if the build stays within about 20% of
its time today. The verdict is generous to the import: it counts the import's CPU time less that of the whole bulk
insert (as if the import could replace every row, where it can bring in only the children and their intakes).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo

from scratch_database import create_scratch_database, drop_scratch_database
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from huiskamer.audit.hook import AuditActor, acting_as, install_audit_hook
from huiskamer.auth.actor import Actor
from huiskamer.cli import upgrade_database
from huiskamer.config import Settings
from huiskamer.db import install_sqlite_pragmas
from huiskamer.demo.load import demo_rows, insert_rows, load_demo, load_organisation
from huiskamer.importing import service
from huiskamer.importing.sheet import Sheet
from huiskamer.site.templating import today

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DAYS_NL = {"mon": "ma", "tue": "di", "wed": "wo", "thu": "do", "fri": "vr"}
SOURCES_NL = {
    "school": "school",
    "ggd": "GGD",
    "police": "wijkagent",
    "guardian": "ouders",
    "social_team": "wijkteam",
    "youth_mental_health": "jeugd-ggz",
    "gp": "huisarts",
    "youth_care": "jeugdhulp",
    "other": "anders",
}
URGENCIES_NL = {"normal": "normaal", "elevated": "verhoogd", "high": "hoog"}

Figures = tuple[float, float]  # wall, CPU


def spreadsheet_rows(tables: dict[str, list[dict[str, Any]]], location_names: dict[Any, str]) -> Sheet:
    """The demo's waiting and placed children as an organisation would write them in its spreadsheet."""
    children = {child["id"]: child for child in tables["children"]}
    intakes = {intake["referral_id"]: intake for intake in tables["intakes"]}
    goals: dict[Any, list[str]] = {}
    for goal in tables["goals"]:
        goals.setdefault(goal["referral_id"], []).append(goal["description"])
    preferred: dict[Any, list[str]] = {}
    for link in sorted(tables["referral_locations"], key=lambda link: link["rank"]):
        preferred.setdefault(link["referral_id"], []).append(location_names[link["location_id"]])
    current = {p["referral_id"]: p for p in tables["placements"] if p.get("end_date") is None}
    rows = []
    for number, referral in enumerate(tables["referrals"], start=2):
        if referral["status"] not in {"waitlisted", "placed"}:
            continue
        child, intake = children[referral["child_id"]], intakes[referral["id"]]
        placement = current.get(referral["id"]) if referral["status"] == "placed" else None
        days = placement["weekdays"] if placement else intake["requested_weekdays"]
        where = (
            location_names[placement["location_id"]]
            if placement
            else "; ".join(preferred.get(referral["id"]) or location_names.values())
        )
        cells = {
            "Voornaam": child["given_name"],
            "Achternaam": child["family_name"],
            "Geboortedatum": child["date_of_birth"],
            "Postcode": child["postcode"],
            "Wijk": child["neighbourhood"] or "",
            "School": child["school"] or "",
            "Ouder/verzorger": referral["guardian_name"],
            "Telefoon": referral["guardian_phone"] or "",
            "E-mail": referral["guardian_email"] or "",
            "Verwezen door": SOURCES_NL[referral["source"]],
            "Aangemeld op": referral["submitted_at"].astimezone(AMSTERDAM).date(),
            "Reden": referral["reason"],
            "Status": "geplaatst" if placement else "wachtlijst",
            "Locatie": where,
            "Dagen": ", ".join(DAYS_NL[day] for day in days),
            "Minimum dagen": str(min(intake["minimum_days"], len(days))),
            "Wacht sinds": "" if placement else referral["waiting_since"] or "",
            "Urgentie": URGENCIES_NL[intake["urgency"]],
            "Startdatum": placement["start_date"] if placement else "",
            "Ophalen door": "; ".join(intake["collection_persons"]),
            "Allergieën": intake["allergies"] or "",
            "Let op": intake["safety_notes"] or "",
            "Doelen": "; ".join(goals.get(referral["id"], [])),
        }
        rows.append((number, cells))
    return Sheet(rows=rows, unknown_columns=[])


async def _in_session(url: str, work: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
    engine = create_async_engine(url)
    install_sqlite_pragmas(engine.sync_engine)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as session:
            result = await work(session)
            await session.commit()
            return result
    finally:
        await engine.dispose()


def _timed(work: Callable[[], Any]) -> tuple[Any, Figures]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, (time.perf_counter() - wall, time.process_time() - cpu)


def measure_build(url: str) -> Figures:
    settings = Settings(database_url=url, secret_key="x" * 32, dev_mode=False, run_worker=False)

    def build() -> None:
        upgrade_database(settings)
        asyncio.run(_in_session(url, load_demo))

    return _timed(build)[1]


def _organisation_and_rows(url: str) -> tuple[Settings, list[tuple[str, list[dict[str, Any]]]]]:
    """The demo organisation in the database, and the rows the generators make for it (not inserted)."""
    settings = Settings(database_url=url, secret_key="x" * 32, dev_mode=False, run_worker=False)
    upgrade_database(settings)

    async def organisation(session: AsyncSession) -> list[tuple[str, list[dict[str, Any]]]]:
        with acting_as(AuditActor(id=None, label="demogegevens")):
            locations, users = await load_organisation(session)
            return await demo_rows(session, locations, users)

    return settings, asyncio.run(_in_session(url, organisation))


def measure_bulk(url: str) -> tuple[int, Figures]:
    _, tables = _organisation_and_rows(url)

    async def bulk(session: AsyncSession) -> None:
        await insert_rows(session, tables)

    _, figures = _timed(lambda: asyncio.run(_in_session(url, bulk)))
    return sum(len(rows) for _, rows in tables), figures


def measure_import(url: str) -> tuple[str, Figures]:
    settings, tables = _organisation_and_rows(url)
    on = today()

    async def run(session: AsyncSession) -> service.ImportResult:
        from huiskamer.auth.models import User
        from huiskamer.locations.models import Location

        names = {location.id: location.name for location in (await session.scalars(select(Location))).all()}
        admin = (await session.scalars(select(User).where(User.role == "admin"))).one()
        actor = Actor.of(admin)
        sheet = spreadsheet_rows(dict(tables), names)
        await session.commit()
        with acting_as(AuditActor(id=actor.id, label=f"{actor.name} (import)", role="admin")):
            return await service.run_import(session, actor, settings, sheet, "demo.xlsx", on)

    result, figures = _timed(lambda: asyncio.run(_in_session(url, run)))
    rows = len(result.preview.rows)
    return f"{rows} rows: {result.imported} imported, {result.present} present, {result.refused} refused", figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    install_audit_hook()
    for backend in args.backends.split(","):
        print(f"\n{backend}")
        results: dict[str, tuple[str, Figures]] = {}
        for label, measure in (
            ("demo build", lambda url: ("migrations and load_demo", measure_build(url))),
            ("bulk", lambda url: (f"{(m := measure_bulk(url))[0]} rows", m[1])),
            ("import", measure_import),
        ):
            if backend == "sqlite":
                with tempfile.TemporaryDirectory() as folder:
                    results[label] = measure(f"sqlite+aiosqlite:///{folder}/demo.sqlite")
            else:
                url, name = create_scratch_database(args.postgres, "demo_import")
                try:
                    results[label] = measure(url)
                finally:
                    drop_scratch_database(args.postgres, name)
        for label, (what, (wall, cpu)) in results.items():
            print(f"  {label:<12} {wall:7.2f} s wall  {cpu:7.2f} s CPU  ({what})")
        build, bulk, imported = (results[label][1][1] for label in ("demo build", "bulk", "import"))
        extra = (imported - bulk) / build
        verdict = "within" if extra <= 0.2 else "NOT within"
        print(f"  through the import the build would take at least {extra:+.0%} CPU: {verdict} the bar of +20%")


if __name__ == "__main__":
    main()
