"""A flood of log-ins does not stall anyone else: argon2 (about 0.1 s of CPU a password, on purpose) runs in worker
threads, at most two at once per process, and no log-in holds a database connection while it waits for one, so the
event loop and the connection pool go on serving. In process (uvicorn serving the test's app on its own loop),
bounded."""

from __future__ import annotations

import asyncio
import socket
import time

import httpx
import uvicorn

from huiskamer.auth.secrets import HASHING_AT_ONCE
from tests.factories import PASSWORD, make_user


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_thirty_log_ins_at_once_leave_the_health_check_answering(app, test_settings):
    email = "kim@flood.example"
    make_user(test_settings, "admin", email=email, password=PASSWORD)
    assert HASHING_AT_ONCE == 2
    port = free_port()

    async def flood() -> tuple[list[int], list[float]]:
        server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning", lifespan="on"))
        serving = asyncio.ensure_future(server.serve())
        while not server.started:
            await asyncio.sleep(0.01)
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
                await client.get("/inloggen")
                form = {"email": email, "password": PASSWORD, "_csrf_token": client.cookies["hk_csrf"]}
                health: list[float] = []

                async def log_in() -> int:
                    async with httpx.AsyncClient(base_url=client.base_url, cookies=client.cookies, timeout=60) as own:
                        return (await own.post("/inloggen", data=form)).status_code

                logins = asyncio.gather(*(log_in() for _ in range(30)))
                while not logins.done():
                    started = time.perf_counter()
                    assert (await client.get("/health")).status_code == 200
                    health.append(time.perf_counter() - started)
                    await asyncio.sleep(0.02)
                return await logins, health
        finally:
            server.should_exit = True
            await serving

    statuses, health = asyncio.run(flood())
    assert set(statuses) == {303}  # every log-in answered, none lost
    # 30 passwords take 2 s or more of argon2: the health check is asked all along, and never waits for them. (The
    # first answer shares the moment thirty clients of this same process open their connections: not counted.)
    assert len(health) >= 10, len(health)
    assert max(health[1:]) < 0.5, f"/health waited {max(health[1:]):.2f} s during the flood (on the loop: 4 s)"
