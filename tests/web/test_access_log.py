"""The access log (NEN 7513): every page, fragment and API answer that shows a child's data records who saw it.

The routes are enumerated from the app itself, as every role, each as a page and as the fragment htmx asks for: a
route that answers with the child's name and leaves no entry in the access log fails, so a new page or fragment
cannot forget it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from litestar.routes import HTTPRoute
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.attendance.models import Concern
from huiskamer.audit.models import AccessLogEntry
from huiskamer.intake.models import Goal
from huiskamer.placements.models import Placement, SeatClaim
from huiskamer.referrals.models import Referral
from huiskamer.site.templating import today
from tests.attendance_helpers import make_cast, place_child, signed_in
from tests.factories import api, in_session

PLACED_NAME = "Zwaluwstaart"
WAITING_NAME = "Zeemeeuw"


def _seed(settings: Any, cast: Any) -> dict[str, Any]:
    async def work(db: AsyncSession) -> dict[str, Any]:
        placed = await place_child(
            db,
            location_id=cast.a,
            coordinator_id=cast.coordinator_a,
            given_name="Kenji",
            family_name=PLACED_NAME,
            start=today() - timedelta(days=200),  # an evaluation is due
        )
        db.add(
            Concern(
                referral_id=placed.referral_id,
                location_id=cast.a,
                placement_id=placed.placement_id,
                kind="observation",
                text="Kenji was erg stil vandaag.",
                raised_at=datetime.now(UTC),
                raised_by_id=cast.youth_worker_a,
            )
        )
        waiting = await place_child(
            db, location_id=cast.a, coordinator_id=cast.coordinator_a, given_name="Lotte", family_name=WAITING_NAME
        )
        await db.execute(delete(SeatClaim).where(SeatClaim.placement_id == waiting.placement_id))
        await db.execute(delete(Placement).where(Placement.id == waiting.placement_id))
        await db.execute(update(Referral).where(Referral.id == waiting.referral_id).values(status="waitlisted"))
        await db.execute(
            update(Referral)
            .where(Referral.id.in_([placed.referral_id, waiting.referral_id]))
            .values(submitted_by_id=cast.referrer)
        )
        goal = await db.scalar(select(Goal.id).where(Goal.referral_id == placed.referral_id).limit(1))
        children = dict(
            (
                await db.execute(
                    select(Referral.id, Referral.child_id).where(
                        Referral.id.in_([placed.referral_id, waiting.referral_id])
                    )
                )
            ).all()
        )
        return {
            "referral_id": placed.referral_id,
            "placement_id": placed.placement_id,
            "goal_id": goal,
            "placed_child": children[placed.referral_id],
            "waiting_child": children[waiting.referral_id],
            "waiting_referral": waiting.referral_id,
        }

    return in_session(settings, work)


def _fill(path: str, seed: dict[str, Any], cast: Any) -> str | None:
    values = {
        "referral_id": seed["referral_id"],
        "placement_id": seed["placement_id"],
        "goal_id": seed["goal_id"],
        "location_id": cast.a,
        "day": today().isoformat(),
    }

    missing = []

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            missing.append(name)
            return ""
        return str(values[name])

    filled = re.sub(r"\{(\w+)(?::\w+)?\}", value, path)
    return None if missing else filled


def _count(sync_engine: Any, user_id: UUID, child_id: UUID) -> int:
    with sync_engine.connect() as connection:
        return connection.execute(
            select(func.count())
            .select_from(AccessLogEntry)
            .where(AccessLogEntry.user_id == user_id, AccessLogEntry.child_id == child_id)
        ).scalar_one()


def test_every_route_that_shows_a_child_records_who_saw_it(test_settings, app, client, sync_engine):
    cast = make_cast(test_settings)
    seed = _seed(test_settings, cast)
    routes = sorted(
        {route.path for route in app.routes if isinstance(route, HTTPRoute) and "GET" in route.methods}
        - {"/health", "/sw.js", "/manifest.webmanifest", "/offline", "/over"}
    )
    people = {
        "coordinator": cast.coordinator_a,
        "youth_worker": cast.youth_worker_a,
        "referrer": cast.referrer,
        "admin": cast.admin,
    }
    shown, forgotten = 0, []
    seen_on: set[tuple[str, str]] = set()
    for role, user_id in people.items():
        client.cookies.clear()
        signed_in(test_settings, client, user_id)
        token = {"coordinator": "coordinator_a", "youth_worker": "youth_worker_a"}.get(role, role)
        headers = api(client, cast.token(token))
        for path in routes:
            if path.startswith(("/static", "/schema")):
                continue
            url = _fill(path, seed, cast)
            if url is None:
                continue
            # A page, and the same URL as htmx asks for it (the fragment that a search or filter swaps in).
            asked = [headers] if url.startswith("/api/") else [{}, {"HX-Request": "true"}]
            for sent in asked:
                for child_id, name in ((seed["placed_child"], PLACED_NAME), (seed["waiting_child"], WAITING_NAME)):
                    before = _count(sync_engine, user_id, child_id)
                    response = client.get(url, headers=sent)
                    assert response.status_code < 500, (role, url, sent, response.text[:300])
                    if response.status_code == 200 and name in response.text:
                        shown += 1
                        kind = "fragment" if sent.get("HX-Request") else "page"
                        seen_on.add((path, kind))
                        if _count(sync_engine, user_id, child_id) == before:
                            forgotten.append(f"{role} saw {name} on {path} ({kind})")
    assert forgotten == [], "shown without an entry in the access log:\n" + "\n".join(forgotten)
    assert shown >= 12  # the enumeration reached the pages that show children
    # ... and the fragments that a search swaps in: the waitlist's, the placements' and the sibling picker's (which
    # suggests the waiting child as the placed one's sister: the same postcode and parent).
    fragments = {path for path, kind in seen_on if kind == "fragment"}
    assert {
        "/locaties/{location_id:str}/wachtlijst",
        "/locaties/{location_id:str}/plaatsingen",
        "/aanmeldingen/{referral_id:uuid}/intake/broers-en-zussen",
    } <= fragments, fragments


def test_the_coordinator_sees_who_opened_the_dossier_and_another_location_gets_404(test_settings, client):
    cast = make_cast(test_settings)
    seed = _seed(test_settings, cast)
    referral = seed["referral_id"]
    signed_in(test_settings, client, cast.youth_worker_a)
    assert client.get(f"/kinderen/{referral}").status_code == 200
    client.cookies.clear()
    signed_in(test_settings, client, cast.coordinator_a)
    dossier = client.get(f"/aanmeldingen/{referral}")
    assert dossier.status_code == 200
    assert "Wie heeft dit dossier ingezien" in dossier.text
    assert "kinderwerker" in dossier.text and "kindpagina" in dossier.text
    log = client.get(f"/aanmeldingen/{referral}/inzage")
    assert log.status_code == 200
    assert "coördinator" in log.text and "dossier" in log.text
    answer = client.get(f"/api/v1/referrals/{referral}/access-log", headers=api(client, cast.token("coordinator_a")))
    assert answer.status_code == 200
    items = answer.json()["items"]
    assert {item["action"] for item in items} >= {"read"}
    assert items == sorted(items, key=lambda item: item["at"], reverse=True)
    assert {"at", "user_name", "role", "action"} <= set(items[0])
    # Reading the log is recorded too.
    assert any("toegangslog" in item["what"] for item in items)

    client.cookies.clear()
    signed_in(test_settings, client, cast.coordinator_b)
    assert client.get(f"/aanmeldingen/{referral}/inzage").status_code == 404
    assert client.get(f"/aanmeldingen/{referral}/gegevens-export").status_code == 404
    other = client.get(f"/api/v1/referrals/{referral}/access-log", headers=api(client, cast.token("coordinator_b")))
    assert other.status_code == 404
    for role in ("youth_worker_a", "referrer"):
        refused = client.get(f"/api/v1/referrals/{referral}/access-log", headers=api(client, cast.token(role)))
        assert refused.status_code in {403, 404}


def test_the_beheerder_searches_the_log_by_child_person_and_period_and_the_search_is_logged(
    test_settings, client, sync_engine
):
    cast = make_cast(test_settings)
    seed = _seed(test_settings, cast)
    signed_in(test_settings, client, cast.coordinator_a)
    client.get(f"/aanmeldingen/{seed['referral_id']}")
    client.cookies.clear()
    signed_in(test_settings, client, cast.admin)
    found = client.get("/beheer/toegangslog", params={"kind": "kenji zwaluw"})
    assert found.status_code == 200
    assert f"Kenji {PLACED_NAME}" in found.text and WAITING_NAME not in found.text
    born = client.get("/beheer/toegangslog", params={"kind": "kenji", "geboortedatum": "2000-01-01"})
    assert "Er zijn geen regels gevonden" in born.text
    in_future = client.get("/beheer/toegangslog", params={"van": date(2999, 1, 1).isoformat()})
    assert "Er zijn geen regels gevonden" in in_future.text
    nonsense = client.get("/beheer/toegangslog", params={"van": "gisteren", "tot": "\x00"})
    assert nonsense.status_code == 422 and "geen geldige datum" in nonsense.text
    with sync_engine.connect() as connection:
        logged = (
            connection.execute(text("SELECT detail FROM security_events WHERE kind = 'audit_read'")).scalars().all()
        )
    assert any("kenji zwaluw" in detail for detail in logged)
    # The beheerder opens the child's log from the search, and the export; a coordinator may not search.
    assert client.get(f"/aanmeldingen/{seed['referral_id']}/inzage").status_code == 200
    client.cookies.clear()
    signed_in(test_settings, client, cast.coordinator_a)
    assert client.get("/beheer/toegangslog").status_code == 403


@pytest.mark.parametrize("who", ["youth_worker_a", "referrer"])
def test_a_kinderwerker_or_referrer_cannot_export(test_settings, client, who):
    cast = make_cast(test_settings)
    seed = _seed(test_settings, cast)
    answer = client.get(f"/api/v1/referrals/{seed['referral_id']}/subject-access", headers=api(client, cast.token(who)))
    assert answer.status_code in {403, 404}


def test_the_export_holds_every_table_that_references_the_child(test_settings, client, sync_engine):
    import io
    import json
    import zipfile

    from huiskamer.audit.subject_access import NOT_EXPORTED, referring_tables
    from huiskamer.db import metadata

    cast = make_cast(test_settings)
    seed = _seed(test_settings, cast)
    signed_in(test_settings, client, cast.coordinator_a)
    client.get(f"/aanmeldingen/{seed['referral_id']}")
    response = client.get(f"/aanmeldingen/{seed['referral_id']}/gegevens-export")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = sorted(archive.namelist())
    assert [name.rsplit(".", 1)[1] for name in names] == ["json", "pdf"]
    assert archive.read(names[1]).startswith(b"%PDF")
    data = json.loads(archive.read(names[0]))
    assert data["child"]["family_name"] == PLACED_NAME
    assert data["guardians"][0]["phone"]
    # Every table that refers to the child's rows is in the export, or left out with a reason.
    referring = referring_tables()
    assert referring <= set(data["tables"]) | set(NOT_EXPORTED), referring - set(data["tables"]) - set(NOT_EXPORTED)
    assert all(reason for reason in NOT_EXPORTED.values())
    assert {"referrals", "intakes", "goals", "placements"} <= {name for name, rows in data["tables"].items() if rows}
    # Tables that name a child or referral without a foreign key are the two logs, which the export holds.
    loose = {
        table.name
        for table in metadata.sorted_tables
        for column in table.columns
        if column.name in {"child_id", "referral_id"} and not column.foreign_keys
    }
    assert loose == {"audit_events", "access_log"}
    assert data["history_of_changes"] and data["access_log"]
    # The download itself is in the access log, as an export.
    log = client.get(
        f"/api/v1/referrals/{seed['referral_id']}/access-log", headers=api(client, cast.token("coordinator_a"))
    )
    assert "export" in {item["action"] for item in log.json()["items"]}
    # The beheerder may too, through the API; the JSON is the same shape.
    answer = client.get(
        f"/api/v1/referrals/{seed['referral_id']}/subject-access", headers=api(client, cast.token("admin"))
    )
    assert answer.status_code == 200 and answer.json()["child"]["family_name"] == PLACED_NAME
