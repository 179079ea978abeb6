"""The race for the last seat, through two server processes on one database.

Two ``huiskamer serve --workers 1`` processes (as two machines behind a load balancer would be) share a scratch
database: a SQLite file, or a PostgreSQL database of its own when HUISKAMER_TEST_POSTGRES_URL is set. Twenty
coordinators' requests for the last seat on a Monday are sent at the same moment, half to each server. Exactly
one gets the seat (201); the others hear in Dutch that Monday is full (409); no request fails with a 500; and the
database holds exactly one placement (or open offer) for that seat. Each race runs several rounds, with fresh
children and a fresh seat.

Also: the same open offer accepted twenty times at once gives one placement, and one child offered seats at two
locations at once is offered only one.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.auth import service as auth_service
from huiskamer.auth.models import User
from huiskamer.cli import upgrade_database
from huiskamer.config import Settings, normalise_database_url
from huiskamer.placements.models import Offer, Placement
from huiskamer.referrals.models import Referral
from huiskamer.site.templating import today
from tests.service.seat_helpers import Sessions, empty, new_actor, new_location, waitlisted_referral

CONTENDERS = 20
ROUNDS = 3
POSTGRES = os.environ.get("HUISKAMER_TEST_POSTGRES_URL", "")


# --- a database and two servers of our own -------------------------------------------------------


def _admin_url() -> str:
    return make_url(normalise_database_url(POSTGRES)).set(drivername="postgresql+psycopg").render_as_string(False)


@pytest.fixture(scope="module")
def race_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not POSTGRES:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('race') / 'race.sqlite'}"
        upgrade_database(Settings(database_url=url))
        yield url
        return
    name = f"huiskamer_race_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"
    admin = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(normalise_database_url(POSTGRES)).set(database=name).render_as_string(hide_password=False)
    upgrade_database(Settings(database_url=url))
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def _start_server(url: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {
        **os.environ,
        "HUISKAMER_DATABASE_URL": url,
        "HUISKAMER_SECRET_KEY": secrets.token_hex(32),
        "HUISKAMER_BASE_URL": f"http://127.0.0.1:{port}",
    }
    command = [sys.executable, "-c", "from huiskamer.cli import main; main()", "serve", "--port", str(port)]
    command += ["--workers", "1"]
    with log.open("wb") as output:
        # A process group of its own, so that stopping it stops everything it started.
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    return process, f"http://127.0.0.1:{port}"


def _wait_until_up(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + 120  # a busy two-core machine can take a while
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"de testserver stopte: {log.read_text()[-2000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(base_url + "/health", timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"de testserver startte niet: {log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def servers(race_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    logs = tmp_path_factory.mktemp("race-servers")
    started = [_start_server(race_database, logs / f"server-{n}.log") for n in (1, 2)]
    try:
        for n, (process, base_url) in enumerate(started, 1):
            _wait_until_up(process, base_url, logs / f"server-{n}.log")
        yield [base_url for _, base_url in started]
    finally:
        for process, _ in started:
            _stop(process)
        for n in (1, 2):
            text_ = (logs / f"server-{n}.log").read_text(errors="replace")
            assert "Traceback" not in text_, f"server {n} logde een fout:\n{text_[-3000:]}"


@pytest.fixture(scope="module")
def sessions(race_database: str) -> Iterator[Sessions]:
    found = Sessions(Settings(database_url=race_database))
    yield found
    found.close()


# --- the contenders ------------------------------------------------------------------------------


@dataclass
class Field:
    """Seats at some locations, one coordinator of them all with an API token, and children waiting."""

    token: str
    locations: list[UUID]
    children: list[list[UUID]]  # per location, the children waiting there (and nowhere else)
    shared: list[UUID]  # children waiting at every location


def _field(sessions: Sessions, seats: list[dict[str, int]], children_per_location: int, shared: int = 0) -> Field:
    settings = sessions.settings
    on = today()

    async def work(db: AsyncSession) -> Field:
        await empty(db)
        locations = [await new_location(db, f"Huiskamer {n}", capacity) for n, capacity in enumerate(seats)]
        coordinator = await new_actor(db, "coordinator", "coordinator@race.example", locations)
        referrer = await new_actor(db, "referrer", "verwijzer@race.example")
        user = await db.get(User, coordinator.id)
        assert user is not None
        token = await auth_service.create_api_token(db, user)
        children = []
        for n, location in enumerate(locations):
            children.append(
                [
                    await waitlisted_referral(
                        db,
                        settings,
                        referrer=referrer,
                        coordinator=coordinator,
                        number=n * children_per_location + k,
                        location_ids=[location],
                        weekdays=("mon", "tue"),
                        held_on=on - timedelta(days=k),
                        today=on,
                    )
                    for k in range(children_per_location)
                ]
            )
        everywhere = [
            await waitlisted_referral(
                db,
                settings,
                referrer=referrer,
                coordinator=coordinator,
                number=1000 + k,
                location_ids=locations,
                weekdays=("mon",),
                held_on=on,
                today=on,
            )
            for k in range(shared)
        ]
        return Field(token, locations, children, everywhere)

    return sessions.run(work)


async def _send_all(servers: list[str], token: str, requests: list[tuple[str, dict[str, Any] | None]]):
    """All requests at once, alternating between the servers; the answers in the same order."""
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=len(requests), max_keepalive_connections=len(requests))
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(httpx.AsyncClient(base_url=url, headers=headers, timeout=60, limits=limits))
            for url in servers
        ]
        # Open connections first, so that the race itself is not a race to connect.
        await asyncio.gather(*(client.get("/api/v1/me") for client in clients for _ in range(len(requests) // 2)))
        return await asyncio.gather(
            *(clients[n % len(clients)].post(path, json=body) for n, (path, body) in enumerate(requests))
        )


def _race(servers: list[str], token: str, requests: list[tuple[str, dict[str, Any] | None]]) -> list[httpx.Response]:
    return asyncio.run(_send_all(servers, token, requests))


def _statuses(answers: list[httpx.Response]) -> list[int]:
    return sorted(answer.status_code for answer in answers)


def _count(sessions: Sessions, query: Any) -> int:
    async def work(db: AsyncSession) -> int:
        return int(await db.scalar(query) or 0)

    return sessions.run(work)


def _status_counts(sessions: Sessions, referral_ids: list[UUID]) -> dict[str, int]:
    async def work(db: AsyncSession) -> dict[str, int]:
        rows = await db.execute(
            select(Referral.status, func.count()).where(Referral.id.in_(referral_ids)).group_by(Referral.status)
        )
        return {status: count for status, count in rows.all()}

    return sessions.run(work)


def _next_monday() -> str:
    on = today() + timedelta(days=1)
    return (on + timedelta(days=(0 - on.weekday()) % 7)).isoformat()


# --- the races -----------------------------------------------------------------------------------


@pytest.mark.parametrize("round_", range(1, ROUNDS + 1))
def test_of_twenty_placements_for_the_last_seat_exactly_one_succeeds(
    servers: list[str], sessions: Sessions, round_: int
) -> None:
    field = _field(sessions, [{"mon": 1, "tue": 3}], CONTENDERS)
    location, children = field.locations[0], field.children[0]
    start = _next_monday()
    body = {"location_id": str(location), "weekdays": ["mon", "tue"], "start_date": start}
    answers = _race(servers, field.token, [("/api/v1/placements", {**body, "referral_id": str(c)}) for c in children])

    assert _statuses(answers) == [201] + [409] * (CONTENDERS - 1), [a.text for a in answers if a.status_code != 409]
    for answer in answers:
        if answer.status_code == 409:
            assert answer.json()["detail"].startswith(
                "Geen plaats meer op maandag bij Huiskamer 0 vanaf die datum: vol op maandag "
            )
    assert _count(sessions, select(func.count()).select_from(Placement).where(Placement.location_id == location)) == 1
    assert _status_counts(sessions, children) == {"placed": 1, "waitlisted": CONTENDERS - 1}
    winner = next(a.json() for a in answers if a.status_code == 201)
    assert winner["weekdays"] == ["mon", "tue"] and winner["start_date"] == start


@pytest.mark.parametrize("round_", range(1, ROUNDS + 1))
def test_of_twenty_offers_for_the_last_seat_exactly_one_succeeds(
    servers: list[str], sessions: Sessions, round_: int
) -> None:
    field = _field(sessions, [{"mon": 1, "tue": 3}], CONTENDERS)
    location, children = field.locations[0], field.children[0]
    start = _next_monday()
    body = {"location_id": str(location), "weekdays": ["mon"], "start_date": start, "respond_by": start}
    answers = _race(servers, field.token, [("/api/v1/offers", {**body, "referral_id": str(c)}) for c in children])

    assert _statuses(answers) == [201] + [409] * (CONTENDERS - 1), [a.text for a in answers if a.status_code != 409]
    for answer in answers:
        if answer.status_code == 409:
            assert answer.json()["detail"].startswith(
                "Geen plaats meer op maandag bij Huiskamer 0 vanaf die datum: vol op maandag "
            )
    assert _count(sessions, select(func.count()).select_from(Offer).where(Offer.location_id == location)) == 1
    assert _status_counts(sessions, children) == {"offered": 1, "waitlisted": CONTENDERS - 1}


def test_an_offer_accepted_twenty_times_at_once_gives_one_placement(servers: list[str], sessions: Sessions) -> None:
    field = _field(sessions, [{"mon": 2}], 1)
    child = field.children[0][0]
    start = _next_monday()
    offer = {
        "referral_id": str(child),
        "location_id": str(field.locations[0]),
        "weekdays": ["mon"],
        "start_date": start,
        "respond_by": start,
    }
    made = httpx.post(servers[0] + "/api/v1/offers", json=offer, headers={"Authorization": f"Bearer {field.token}"})
    assert made.status_code == 201, made.text
    path = f"/api/v1/offers/{made.json()['id']}/accept"
    answers = _race(servers, field.token, [(path, None)] * CONTENDERS)

    assert _statuses(answers) == [201] + [409] * (CONTENDERS - 1), [a.text for a in answers if a.status_code != 409]
    assert _count(sessions, select(func.count()).select_from(Placement).where(Placement.referral_id == child)) == 1
    assert _status_counts(sessions, [child]) == {"placed": 1}


def test_one_child_offered_seats_at_two_locations_at_once_gets_one_offer(
    servers: list[str], sessions: Sessions
) -> None:
    """Each location has its own lock; the child's status must still change only once."""
    start = _next_monday()
    field = _field(sessions, [{"mon": 5}, {"mon": 5}], 0, shared=ROUNDS)
    for child in field.shared:
        requests = [
            (
                "/api/v1/offers",
                {
                    "referral_id": str(child),
                    "location_id": str(field.locations[n % 2]),
                    "weekdays": ["mon"],
                    "start_date": start,
                    "respond_by": start,
                },
            )
            for n in range(CONTENDERS)
        ]
        answers = _race(servers, field.token, requests)
        assert _statuses(answers) == [201] + [409] * (CONTENDERS - 1), [a.text for a in answers]
        for answer in answers:
            if answer.status_code == 409:
                assert answer.json()["detail"] == "Alleen een kind op de wachtlijst kan een plaats aangeboden krijgen."
        assert _count(sessions, select(func.count()).select_from(Offer).where(Offer.referral_id == child)) == 1
        assert _status_counts(sessions, [child]) == {"offered": 1}
