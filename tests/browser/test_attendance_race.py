"""Many phones tapping one child at the same moment, through the two worker processes of a real server (the live
server of the browser tests, on SQLite or PostgreSQL): every answer is a 200 (or a 409 "busy"), never a 422 or a
500; the stored record is always coherent (a present child has no absence reason, an absent one no arrival time)
and is the latest tap; every tap id is stored once, also when it is sent twice."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import httpx
from sqlalchemy import func, select

from huiskamer.attendance.models import Attendance, AttendanceTap
from huiskamer.config import Settings
from huiskamer.site.templating import today
from tests.attendance_helpers import ALL_DAYS, days_back, place_child
from tests.factories import in_session, make_location, make_token, make_user

BODIES = (
    {"status": "present"},
    {"status": "absent_excused", "absence_reason": "ill"},
    {"status": "absent_unexcused"},
    {"status": "absent_excused", "absence_reason": "family"},
)


def test_simultaneous_taps_for_one_child_through_two_processes_leave_one_coherent_latest_record(
    live_server, live_database
):
    settings = Settings(database_url=live_database)
    location = make_location(settings, "Huiskamer Drukte", seats=dict.fromkeys(ALL_DAYS, 80))
    coordinator = make_user(settings, "coordinator", location_ids=(location,), password=None)
    workers = [make_user(settings, "youth_worker", location_ids=(location,), password=None) for _ in range(4)]
    tokens = [make_token(settings, worker) for worker in workers]

    async def place(db):
        return await place_child(db, location_id=location, coordinator_id=coordinator, start=days_back(30))

    child = in_session(settings, place)
    url = f"{live_server}/api/v1/locations/{location}/attendance/{today()}/{child.placement_id}"
    now = datetime.now(UTC)
    taps = []
    for n in range(48):
        body = dict(random.Random(n).choice(BODIES))
        body.update(tap_id=str(uuid4()), tapped_at=(now - timedelta(seconds=n % 17, microseconds=n)).isoformat())
        taps.append(body)
    # A few sent twice, as a phone does that lost the answer.
    sends = taps + taps[::6]
    random.Random(1).shuffle(sends)

    async def hammer() -> list[httpx.Response]:
        # One connection per phone, released together: uvicorn's two processes each take some of them.
        clients = [httpx.AsyncClient(timeout=60) for _ in range(12)]
        try:
            calls = [
                clients[n % len(clients)].put(url, json=body, headers={"Authorization": f"Bearer {tokens[n % 4]}"})
                for n, body in enumerate(sends)
            ]
            return await asyncio.gather(*calls)
        finally:
            for client in clients:
                await client.aclose()

    answers = asyncio.run(hammer())
    codes = sorted({response.status_code for response in answers})
    assert set(codes) <= {200, 409}, [(r.status_code, r.text[:200]) for r in answers if r.status_code not in (200, 409)]
    busy = [r for r in answers if r.status_code == 409]
    assert all("druk" in r.json()["detail"] for r in busy)

    async def outcome(db):
        record = await db.scalar(select(Attendance).where(Attendance.placement_id == child.placement_id))
        kept = await db.scalar(
            select(func.count()).select_from(AttendanceTap).where(AttendanceTap.placement_id == child.placement_id)
        )
        latest = await db.scalar(
            select(AttendanceTap.id)
            .where(AttendanceTap.placement_id == child.placement_id)
            .order_by(AttendanceTap.tapped_at.desc(), AttendanceTap.id.desc())
            .limit(1)
        )
        return record, kept, latest

    record, kept, latest = in_session(settings, outcome)
    stored_ids = {body["tap_id"] for body, response in zip(sends, answers, strict=True) if response.status_code == 200}
    assert kept == len(stored_ids), "every tap id stored once"
    assert record is not None
    if record.status == "present":
        assert record.absence_reason is None and record.arrived_at is not None
    else:
        assert record.arrived_at is None and record.left_at is None and record.collected_by is None
        assert (record.absence_reason is not None) == (record.status == "absent_excused")
    standing = next(body for body in taps if body["tap_id"] == str(latest))
    assert (record.status, record.absence_reason) == (standing["status"], standing.get("absence_reason"))
