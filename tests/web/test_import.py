# ruff: noqa: E501  (the rows of the spreadsheet are easier to read one per line)
"""The import (import.md): a realistic messy spreadsheet, each row's outcome; twice makes nothing twice; the
preview writes nothing; a coordinator imports only into their own locations; the command line; the page."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from click.testing import CliRunner
from openpyxl import Workbook
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.auth.actor import Actor
from huiskamer.auth.models import User
from huiskamer.cli import main
from huiskamer.db import metadata
from huiskamer.importing import service
from huiskamer.importing.sheet import COLUMNS, read_file
from huiskamer.placements.models import Placement
from huiskamer.referrals.models import Referral
from huiskamer.site.templating import today
from tests.attendance_helpers import make_cast, signed_in
from tests.factories import csrf_token, in_session

HEADER = list(COLUMNS.values())


def _row(**values: Any) -> list[Any]:
    return [values.get(column, "") for column in HEADER]


def _messy_rows(on: date) -> list[list[Any]]:
    born = date(on.year - 8, 3, 14)
    return [
        # 2: waitlist, Dutch date text, MA DI, 06-number, several locations
        _row(Voornaam="Noor", Achternaam="de Vries", Geboortedatum=f"{born:%d-%m-%Y}", **{"Ouder/verzorger": "M. de Vries"},
             Telefoon="06-12345678", Status="Wachtlijst", Locatie="Huiskamer Anemoon; Berk", Dagen="MA DI",
             **{"Wacht sinds": f"{on - timedelta(days=60):%-d-%-m-%Y}"}, Doelen="Minder snel boos worden; Een vriendje maken"),
        # 3: placed, an Excel date cell, maandag/woensdag, +31 number
        _row(Voornaam="Daan", Achternaam="El Amrani", Geboortedatum=datetime(on.year - 9, 7, 2),
             **{"Ouder/verzorger": "F. El Amrani"}, Telefoon="+31 6 1234 5678", Status="GEPLAATST", Locatie="Anemoon",
             Dagen="maandag/woensdag", Startdatum=on - timedelta(days=30), Urgentie="hoog", **{"Niet ophalen": "buurman Piet"}),
        # 4: a date that does not exist
        _row(Voornaam="Sara", Achternaam="Jansen", Geboortedatum="31-02-2017", **{"Ouder/verzorger": "P. Jansen"},
             Status="wachtlijst", Locatie="Anemoon", Dagen="ma", **{"Wacht sinds": "1-9-2025"}),
        # 5: an unknown location
        _row(Voornaam="Milan", Achternaam="Bakker", Geboortedatum=f"{born:%Y-%m-%d}", **{"Ouder/verzorger": "K. Bakker"},
             Status="wachtlijst", Locatie="De Zonnebloem", Dagen="di", **{"Wacht sinds": "1-9-2025"}),
        # 6: empty row
        _row(),
        # 7: the same child as row 2
        _row(Voornaam="Noor", Achternaam="de Vries", Geboortedatum=f"{born:%Y-%m-%d}", **{"Ouder/verzorger": "M. de Vries"},
             Status="wachtlijst", Locatie="Anemoon", Dagen="ma", **{"Wacht sinds": "1-9-2025"}),
    ]  # fmt: skip


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _actor(settings: Any, user_id: Any) -> Actor:
    async def work(db: AsyncSession) -> Actor:
        user = await db.get(User, user_id)
        return Actor.of(user)

    return in_session(settings, work)


def _counts(sync_engine: Any) -> dict[str, int]:
    with sync_engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in metadata.sorted_tables
        }


def test_a_messy_spreadsheet_each_rows_outcome_and_twice_makes_nothing_twice(test_settings, sync_engine):
    cast = make_cast(test_settings, with_tokens=False)
    on = today()
    sheet = read_file(_xlsx(_messy_rows(on)), "kinderen.xlsx")
    admin = _actor(test_settings, cast.admin)
    before = _counts(sync_engine)

    async def look(db: AsyncSession) -> service.Preview:
        return await service.preview(db, admin, sheet, on)

    preview = in_session(test_settings, look)
    assert _counts(sync_engine) == before  # the preview writes nothing
    outcome = {row.number: row for row in preview.rows}
    assert sorted(outcome) == [2, 3, 4, 5, 7]
    assert outcome[2].outcome == service.NEW and "wachtlijst" in outcome[2].what
    assert outcome[3].outcome == service.NEW and "plaatsing" in outcome[3].what
    assert outcome[4].errors == {"Geboortedatum": "Geboortedatum 31-02-2017 bestaat niet."}
    assert "De Zonnebloem" in outcome[5].errors["Locatie"]
    assert "rij 2" in outcome[7].errors["Voornaam"]

    async def go(db: AsyncSession) -> service.ImportResult:
        return await service.run_import(db, admin, test_settings, sheet, "kinderen.xlsx", on)

    result = in_session(test_settings, go)
    assert (result.imported, result.refused, result.present) == (2, 3, 0), [
        (r.number, r.errors) for r in result.preview.rows
    ]

    async def made(db: AsyncSession) -> list[tuple[str, str]]:
        rows = await db.execute(select(Referral.status, Referral.guardian_phone).order_by(Referral.status))
        return list(rows.all())

    assert in_session(test_settings, made) == [("placed", "+31612345678"), ("waitlisted", "+31612345678")]
    with sync_engine.connect() as connection:
        history = (
            connection.execute(text("SELECT reason FROM referral_events WHERE to_status = 'submitted'")).scalars().all()
        )
    assert all("Geïmporteerd uit “kinderen.xlsx”" in reason for reason in history)
    again = in_session(test_settings, go)
    assert (again.imported, again.present) == (0, 3)  # rows 2 and 7 are the same child, now present


def test_a_windows_csv_with_semicolons_a_placement_over_capacity_and_a_coordinator_of_another_location(
    test_settings, sync_engine
):
    cast = make_cast(test_settings, with_tokens=False)
    on = today()
    rows = [
        _row(Voornaam=f"Kind{n}", Achternaam="Müller-Özdemir", Geboortedatum=f"1-1-{on.year - 7}",
             **{"Ouder/verzorger": "Ouder"}, Status="geplaatst", Locatie="Huiskamer Berk", Dagen="vr",
             Startdatum=f"{on - timedelta(days=3):%d-%m-%Y}")
        for n in range(7)
    ]  # fmt: skip
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(HEADER)
    writer.writerows(rows)
    sheet = read_file(buffer.getvalue().encode("cp1252"), "lijst.csv")
    coordinator_a = _actor(test_settings, cast.coordinator_a)
    before = _counts(sync_engine)

    async def go_a(db: AsyncSession) -> service.ImportResult:
        return await service.run_import(db, coordinator_a, test_settings, sheet, "lijst.csv", on)

    refused = in_session(test_settings, go_a)
    assert refused.imported == 0 and all("niet uw locatie" in r.errors["Locatie"] for r in refused.preview.rows)
    assert _counts(sync_engine) == before
    coordinator_b = _actor(test_settings, cast.coordinator_b)

    async def go_b(db: AsyncSession) -> service.ImportResult:
        return await service.run_import(db, coordinator_b, test_settings, sheet, "lijst.csv", on)

    result = in_session(test_settings, go_b)
    assert result.imported == 6  # six seats on Friday at Berk
    [over] = [row for row in result.preview.rows if row.outcome == service.REFUSED]
    assert "Geen plaats meer op vrijdag bij Huiskamer Berk" in over.errors["Dagen"]

    async def names(db: AsyncSession) -> int:
        return await db.scalar(select(func.count()).select_from(Placement))

    assert in_session(test_settings, names) == 6


def test_the_command_imports_and_its_dry_run_writes_nothing(test_settings, sync_engine, tmp_path):
    cast = make_cast(test_settings, with_tokens=False)
    path = tmp_path / "kinderen.xlsx"
    path.write_bytes(_xlsx(_messy_rows(today())))
    env = {"HUISKAMER_DATABASE_URL": test_settings.database_url, "HUISKAMER_DEV": "1"}
    before = _counts(sync_engine)
    email = _actor(test_settings, cast.admin).email
    dry = CliRunner().invoke(
        main, ["import", str(path), "--dry-run", "--email", email], env=env, catch_exceptions=False
    )
    assert dry.exit_code == 1, dry.output
    assert "rij 4, Geboortedatum: Geboortedatum 31-02-2017 bestaat niet." in dry.output
    assert _counts(sync_engine) == before
    done = CliRunner().invoke(main, ["import", str(path), "--email", email], env=env, catch_exceptions=False)
    assert done.exit_code == 1 and "2 geïmporteerd" in done.output, done.output
    unreadable = tmp_path / "kapot.xlsx"
    unreadable.write_bytes(b"PK\x03\x04 kapot")
    broken = CliRunner().invoke(main, ["import", str(unreadable), "--email", email], env=env, catch_exceptions=False)
    assert broken.exit_code == 2 and "geen leesbaar Excel-bestand" in broken.output


def test_the_import_page_previews_then_imports(test_settings, client):
    cast = make_cast(test_settings, with_tokens=False)
    signed_in(test_settings, client, cast.coordinator_a)
    page = client.get("/importeren")
    assert page.status_code == 200 and "sjabloon" in page.text.lower()
    token = csrf_token(client, "/importeren")
    content = _xlsx(_messy_rows(today()))
    preview = client.post(
        "/importeren",
        files={
            "bestand": ("kinderen.xlsx", content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        },
        data={"_csrf_token": token},
    )
    assert preview.status_code == 200, preview.text[:500]
    assert "31-02-2017 bestaat niet" in preview.text and "Importeren: 1 rij" in preview.text
    assert "niet uw locatie" in preview.text  # row 2 asks for Berk too, not hers
    carried = re.search(r'name="inhoud" value="([^"]+)"', preview.text).group(1)
    done = client.post(
        "/importeren/uitvoeren",
        data={"_csrf_token": token, "inhoud": carried, "bestandsnaam": "kinderen.xlsx", "tabblad": ""},
    )
    assert done.status_code == 200 and "1 kind geïmporteerd" in done.text
    nonsense = client.post(
        "/importeren", files={"bestand": ("x.csv", b"\x00\x01", "text/csv")}, data={"_csrf_token": token}
    )
    assert nonsense.status_code == 422 and "geen CSV- of Excel-bestand" in nonsense.text
    template = client.get("/importeren/sjabloon.xlsx")
    assert template.status_code == 200 and template.content[:2] == b"PK"


# --- random valid rows: the policy's ranking, and never over capacity ------------------------------------------

from hypothesis import HealthCheck, given  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from huiskamer.auth.models import Role  # noqa: E402
from huiskamer.placements.ranking import load_waitlist, policy_config  # noqa: E402
from huiskamer.waitlist import Candidate, rank  # noqa: E402
from tests.conftest import empty_database  # noqa: E402
from tests.factories import make_location, make_user  # noqa: E402

DAY_WORDS = {"mon": "ma", "tue": "di", "wed": "wo", "thu": "do", "fri": "vr"}
URGENCY_WORDS = {"normal": "normaal", "elevated": "verhoogd", "high": "hoog"}


@st.composite
def valid_rows(draw: Any, on: date) -> list[dict[str, Any]]:
    rows = []
    for n in range(draw(st.integers(1, 8))):
        days = sorted(
            draw(st.sets(st.sampled_from(list(DAY_WORDS)), min_size=1, max_size=3)), key=list(DAY_WORDS).index
        )
        placed = draw(st.booleans())
        rows.append(
            {
                "given": f"Kind{n}",
                "born": date(on.year - draw(st.integers(5, 11)), draw(st.integers(1, 12)), draw(st.integers(1, 28))),
                "hood": draw(st.sampled_from(["Stedenwijk", "Kruidenwijk", ""])),
                "placed": placed,
                "days": days,
                "minimum": draw(st.integers(1, len(days))),
                "since": on - timedelta(days=draw(st.integers(1, 700))),
                "urgency": draw(st.sampled_from(list(URGENCY_WORDS))),
                "start": on - timedelta(days=draw(st.integers(0, 200))),
            }
        )
    return rows


@hypothesis_settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_random_rows_rank_as_the_policy_says_and_no_day_is_over_capacity(test_settings, sync_engine, data):
    empty_database(sync_engine)
    on = today()
    a = make_location(
        test_settings, "Huiskamer Anemoon", seats={d: 2 for d in DAY_WORDS}, neighbourhoods=("Stedenwijk",)
    )
    cast_admin = make_user(test_settings, "admin", password=None)
    rows = data.draw(valid_rows(on))
    lines = [
        _row(Voornaam=r["given"], Achternaam="Rij", Geboortedatum=f"{r['born']:%d-%m-%Y}", Wijk=r["hood"],
             **{"Ouder/verzorger": "Ouder", "Minimum dagen": str(r["minimum"]), "Wacht sinds": "" if r["placed"] else f"{r['since']:%d-%m-%Y}"},
             Status="geplaatst" if r["placed"] else "wachtlijst", Locatie="Anemoon",
             Dagen=" ".join(DAY_WORDS[d] for d in r["days"]), Urgentie=URGENCY_WORDS[r["urgency"]],
             Startdatum=f"{r['start']:%d-%m-%Y}" if r["placed"] else "")
        for r in rows
    ]  # fmt: skip
    sheet = read_file(_xlsx(lines), "willekeurig.xlsx")
    admin = _actor(test_settings, cast_admin)

    async def go(db: AsyncSession) -> service.ImportResult:
        return await service.run_import(db, admin, test_settings, sheet, "willekeurig.xlsx", on)

    result = in_session(test_settings, go)
    assert result.refused == sum(
        1 for row in result.preview.rows if "Geen plaats meer" in " ".join(row.errors.values())
    )

    async def state(db: AsyncSession) -> tuple[Any, dict[str, int]]:
        coordinator = replace(admin, role=Role.COORDINATOR, location_ids=frozenset({a}))
        waitlist = await load_waitlist(db, coordinator, a, on, on)
        per_day: dict[str, int] = {}
        for (weekdays,) in (await db.execute(select(Placement.weekdays))).all():
            for day in weekdays:
                per_day[day] = per_day.get(day, 0) + 1
        return waitlist, per_day

    waitlist, per_day = in_session(test_settings, state)
    assert all(count <= 2 for count in per_day.values()), per_day
    # The policy's own ranking of the file's waiting rows, with the location's seats as they are now.
    by_name = {child.child.given_name: referral_id for referral_id, child in waitlist.children.items()}
    expected = rank(
        [
            Candidate(
                id=by_name[r["given"]], waiting_since=r["since"], urgency=r["urgency"], date_of_birth=r["born"],
                neighbourhood=r["hood"] or None, location_ids=(str(a),), requested_weekdays=frozenset(r["days"]),
                minimum_days=r["minimum"],
            )
            for r in rows
            if not r["placed"]
        ],
        waitlist.seats,
        on,
        policy_config(),
    )  # fmt: skip
    assert [e.candidate_id for e in waitlist.entries] == [e.candidate_id for e in expected]


def test_weekdays_and_phone_numbers_as_spreadsheets_hold_them():
    from huiskamer.importing.sheet import read_phone, read_weekdays

    assert read_weekdays("ma t/m vr") == (("mon", "tue", "wed", "thu", "fri"), [])
    assert read_weekdays("MA DI") == (("mon", "tue"), [])
    assert read_weekdays("maandag/woensdag") == (("mon", "wed"), [])
    assert read_weekdays("ma-di-do") == (("mon", "tue", "thu"), [])
    assert read_weekdays("ma, kerstmis")[1] == ["kerstmis"]
    for written in ("06-12345678", "+31 6 1234 5678", "0612345678", "612345678", "06 12 34 56 78"):
        assert read_phone(written) == "+31612345678", written
    assert read_phone("12345") is None
