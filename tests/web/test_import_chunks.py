# ruff: noqa: E501  (the rows of the spreadsheet are easier to read one per line)
"""The import's fast path (a chunk of rows per transaction, built by the services' own builders) makes what the
services make row by row; a row they refuse at import time costs no other row; every imported child is in the
audit trail and the access log, and both chains stay whole."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from huiskamer.audit.chain import verify
from huiskamer.audit.hook import AuditActor, acting_as, install_audit_hook, install_write_guard
from huiskamer.auth.actor import Actor
from huiskamer.auth.models import User
from huiskamer.db import install_sqlite_pragmas, metadata
from huiskamer.errors import BUSY, Conflict
from huiskamer.importing import service
from huiskamer.importing.sheet import read_file
from huiskamer.placements.models import Placement
from huiskamer.referrals.models import Child
from huiskamer.site.templating import today
from tests.attendance_helpers import make_cast
from tests.factories import make_location, run_coroutine
from tests.web.test_import import _row, _xlsx

FIVE_DAYS = ("mon", "tue", "wed", "thu", "fri")
MADE_BY_THE_IMPORT = (
    "children",
    "referrals",
    "referral_locations",
    "referral_events",
    "referral_reads",
    "intakes",
    "goals",
    "placements",
    "seat_claims",
)


def _rows(on: date, given: str, count: int = 24) -> list[list[Any]]:
    """Waiting and placed children, one to three locations, goals from the catalogue and in own words."""
    rows = []
    for n in range(count):
        placed = n % 3 == 0
        days = ["ma", "di", "wo", "do", "vr"][n % 5 :][:2] or ["ma"]
        rows.append(
            _row(Voornaam=given, Achternaam=f"Rij{n}", Geboortedatum=f"{date(on.year - 6 - n % 5, 1 + n % 12, 10):%d-%m-%Y}",
                 **{"Ouder/verzorger": f"Ouder {n}", "Wacht sinds": "" if placed else f"{on - timedelta(days=20 + n):%d-%m-%Y}",
                    "Ophalen door": "Oma; Buurvrouw" if n % 2 else "", "Niet ophalen": "Oom Piet" if n % 4 == 1 else "",
                    "Aangemeld op": f"{on - timedelta(days=400 + n):%d-%m-%Y}" if n % 5 == 2 else "",
                    "Minimum dagen": "1" if n % 2 else ""},
                 Telefoon="06-12345678", Status="geplaatst" if placed else "wachtlijst",
                 Locatie=("Ceder" if n % 2 else "Anemoon") if placed else ["Anemoon; Berk", "Ceder", "Berk; Ceder; Anemoon"][n % 3],
                 Dagen=" ".join(days), Startdatum=f"{on - timedelta(days=n):%d-%m-%Y}" if placed else "",
                 Urgentie=["normaal", "verhoogd", "hoog"][n % 3], Allergieën="noten" if n % 6 == 1 else "",
                 Doelen="Samenwerken; Zelf een boterham smeren" if n % 2 else "Minder snel boos worden")
        )  # fmt: skip
    return rows


def _as(settings: Any, user_id: UUID, work: Any) -> Any:
    """``work`` in a session of the app's kind, as this user (so the access log notes them), under the write guard
    (a write of an audited table that skips the audit trail fails)."""
    install_audit_hook()

    async def go() -> Any:
        engine = create_async_engine(settings.database_url, poolclass=NullPool)
        install_sqlite_pragmas(engine.sync_engine)
        install_write_guard(engine.sync_engine)
        try:
            async with async_sessionmaker(engine, expire_on_commit=False)() as session:
                user = await session.get(User, user_id)
                assert user is not None
                actor = Actor.of(user)
                await session.rollback()
                with acting_as(AuditActor(id=actor.id, label=f"{actor.name} (import)", role=actor.role.value)):
                    result = await work(session, actor)
                    await session.commit()
                return result
        finally:
            await engine.dispose()

    return run_coroutine(go())


def _import(settings: Any, user_id: UUID, content: bytes, **options: Any) -> service.ImportResult:
    sheet = read_file(content, "kinderen.xlsx")

    async def work(db: AsyncSession, actor: Actor) -> service.ImportResult:
        return await service.run_import(db, actor, settings, sheet, "kinderen.xlsx", today(), **options)

    return _as(settings, user_id, work)


def _snapshot(sync_engine: Any, given: str) -> dict[str, list[str]]:
    """Every row the import made, with ids replaced by what they stand for (a location by its name, a referral by
    its child) and moments left out; only the children whose given name is ``given``."""
    with sync_engine.connect() as connection:
        tables = {
            name: [dict(row._mapping) for row in connection.execute(select(metadata.tables[name]))]
            for name in metadata.tables
        }
    labels: dict[Any, str] = {}
    for row in tables["users"]:
        labels[row["id"]] = f"user {row['email']}"
    for row in tables["locations"]:
        labels[row["id"]] = f"location {row['name']}"
    mine: set[Any] = set()
    for row in tables["children"]:
        labels[row["id"]] = f"child {row['family_name']} {row['date_of_birth']}"
        if row["given_name"] == given:
            mine.add(row["id"])
    for row in tables["referrals"]:
        labels[row["id"]] = f"referral of {labels[row['child_id']]}"
        if row["child_id"] in mine:
            mine.add(row["id"])
    for name in ("intakes", "placements"):
        for row in tables[name]:
            labels[row["id"]] = f"{name} of {labels[row['referral_id']]}"
            if row["referral_id"] in mine:
                mine.add(row["id"])
    for row in tables["goals"]:
        labels[row["id"]] = f"goal {row['position']} of {labels[row['referral_id']]}"

    def plain(value: Any) -> Any:
        if isinstance(value, UUID):
            return labels.get(value, "(id)")
        if isinstance(value, datetime):
            return "(moment)"
        if isinstance(value, str):  # the history's "Geïmporteerd uit … op 06-12-2026 02:49 door …"
            return re.sub(r" op \d\d-\d\d-\d{4} \d\d:\d\d ", " op (moment) ", value)
        return value

    snapshot: dict[str, list[str]] = {}
    for name in MADE_BY_THE_IMPORT:
        rows = []
        for row in tables[name]:
            owner = (
                row.get("id")
                if name in ("children", "referrals")
                else row.get("referral_id") or row.get("placement_id")
            )
            if owner not in mine:
                continue
            kept = {key: plain(value) for key, value in row.items() if key not in ("given_name", "match_key")}
            rows.append(repr(sorted(kept.items())))
        snapshot[name] = sorted(rows)
    entries = [
        repr((labels.get(row["child_id"]), row["user_label"], row["role"], row["action"], row["what"]))
        for row in tables["access_log"]
        if row["child_id"] in mine
    ]
    snapshot["access_log"] = sorted(entries)
    return snapshot


def _counts(sync_engine: Any) -> dict[str, int]:
    with sync_engine.connect() as connection:
        return {
            name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in metadata.tables.items()
        }


def _children_named(sync_engine: Any, given: str) -> set[UUID]:
    with sync_engine.connect() as connection:
        return set(connection.execute(select(Child.id).where(Child.given_name == given)).scalars())


def test_chunks_make_what_the_services_make_row_by_row(test_settings, sync_engine):
    cast = make_cast(test_settings, with_tokens=False)
    make_location(test_settings, "Huiskamer Ceder", seats=dict.fromkeys(FIVE_DAYS, 60))
    on = today()
    before = _counts(sync_engine)
    slow = _import(test_settings, cast.admin, _xlsx(_rows(on, "Langzaam")), chunk_rows=1)
    between = _counts(sync_engine)
    fast = _import(test_settings, cast.admin, _xlsx(_rows(on, "Snel")), chunk_rows=7)
    after = _counts(sync_engine)
    # As many new rows in every table (no mail either) but these: a row built in one go is recorded once, as
    # inserted with its final values, where the services record the insert and each change after it (the audit
    # trail), and the report cache's triggers log each write; the first import made the access log's chain head.
    grown = {name: (between[name] - before[name], after[name] - between[name]) for name in before}
    differ = {name for name, (slowly, quickly) in grown.items() if slowly != quickly}
    assert differ <= {"audit_events", "report_changes", "chain_heads"}, grown
    assert 0 < grown["audit_events"][1] < grown["audit_events"][0]
    assert (slow.imported, slow.refused) == (24, 0), [(r.number, r.errors) for r in slow.preview.rows]
    assert (fast.imported, fast.refused) == (24, 0), [(r.number, r.errors) for r in fast.preview.rows]
    made_slowly, made_fast = _snapshot(sync_engine, "Langzaam"), _snapshot(sync_engine, "Snel")
    assert len(made_fast["placements"]) == 8 and len(made_fast["goals"]) == 36
    for table in (*MADE_BY_THE_IMPORT, "access_log"):
        assert made_fast[table] == made_slowly[table], table
    # Every imported child's records are in the audit trail, each row as it was inserted; the access log has the
    # change of each child's dossier by the one who imported it; both chains are whole.
    children = _children_named(sync_engine, "Snel")
    with sync_engine.connect() as connection:
        audit = metadata.tables["audit_events"]
        inserted = Counter(
            connection.execute(
                select(audit.c.table_name).where(audit.c.action == "insert", audit.c.child_id.in_(children))
            ).scalars()
        )
        access = metadata.tables["access_log"]
        logged = set(connection.execute(select(access.c.child_id).where(access.c.child_id.in_(children))).scalars())
        reports = verify(connection)
    assert inserted == {
        "children": 24, "referrals": 24, "referral_locations": 40, "intakes": 24, "goals": 36, "placements": 8,
    }  # fmt: skip
    assert logged == children
    assert all(report.broken is None for report in reports), [report.broken for report in reports]


def test_a_row_refused_at_import_time_costs_no_other_row(test_settings, sync_engine, monkeypatch):
    """Between the preview and the import a coordinator places a child at Berk on Friday: the file's sixth Friday
    placement there no longer fits; the rest of its chunk is imported, and that row is named with the reason."""
    cast = make_cast(test_settings, with_tokens=False)
    on = today()
    rows = [
        _row(Voornaam="Vrijdag", Achternaam=f"Kind{n}", Geboortedatum=f"1-1-{on.year - 7}", **{"Ouder/verzorger": "Ouder"},
             Status="geplaatst", Locatie="Berk", Dagen="vr", Startdatum=f"{on - timedelta(days=3):%d-%m-%Y}")
        for n in range(6)
    ] + [
        _row(Voornaam="Wacht", Achternaam=f"Kind{n}", Geboortedatum=f"1-1-{on.year - 8}", **{"Ouder/verzorger": "Ouder"},
             Status="wachtlijst", Locatie="Berk", Dagen="vr", **{"Wacht sinds": f"{on - timedelta(days=9):%d-%m-%Y}"})
        for n in range(3)
    ]  # fmt: skip
    looked = service.preview

    async def preview_then_a_placement_by_hand(*args: Any, **kwargs: Any) -> service.Preview:
        checked = await looked(*args, **kwargs)
        assert checked.count(service.NEW) == 9  # six seats on Friday at Berk: all fit when looked at
        cast.place("b", weekdays=("fri",))
        return checked

    monkeypatch.setattr(service, "preview", preview_then_a_placement_by_hand)
    result = _import(test_settings, cast.admin, _xlsx(rows))
    assert (result.imported, result.refused) == (8, 1)
    [refused] = [row for row in result.preview.rows if row.outcome == service.REFUSED]
    assert refused.number == 7  # the last Friday placement, after five that took the other seats
    assert refused.errors[""].startswith("Geen plaats meer op vrijdag bij Huiskamer Berk vanaf die datum: vol op")
    with sync_engine.connect() as connection:
        placements = connection.execute(select(func.count()).select_from(Placement)).scalar_one()
        children = connection.execute(select(func.count()).select_from(Child)).scalar_one()
    assert (placements, children) == (6, 9)  # five from the file and the one by hand; 8 imported + that one


def test_a_chunk_that_fails_as_a_whole_is_imported_row_by_row(test_settings, sync_engine, monkeypatch):
    cast = make_cast(test_settings, with_tokens=False)
    make_location(test_settings, "Huiskamer Ceder", seats=dict.fromkeys(FIVE_DAYS, 60))
    loading = service._load_for_chunk
    failed: list[int] = []

    async def busy_once(db: AsyncSession, asked: list[Any], *args: Any) -> Any:
        if not failed:
            failed.append(len(asked))
            raise Conflict(BUSY)
        return await loading(db, asked, *args)

    monkeypatch.setattr(service, "_load_for_chunk", busy_once)
    result = _import(test_settings, cast.admin, _xlsx(_rows(today(), "Eens", count=12)), chunk_rows=5)
    assert failed == [5] and (result.imported, result.refused) == (12, 0)
    assert len(_children_named(sync_engine, "Eens")) == 12
