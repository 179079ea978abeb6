"""A flood of log-ins does not stall anyone else: argon2 (0.13-0.16 s of CPU a password here, on purpose) runs in
threads of its own at a lower priority, at most two at once per process, and no log-in holds a database connection
while it waits for one, so the event loop and the connection pool go on serving. In process and bounded: uvicorn
serves the test's app on an event loop of its own (a thread), as it would in its own process; the browsers are on
the test's loop."""

from __future__ import annotations

import asyncio
import socket
import statistics
import threading
import time

import httpx
import uvicorn

from huiskamer.auth.secrets import HASHING_AT_ONCE, hash_password
from tests.factories import PASSWORD, make_user


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _flood(base_url: str, emails: list[str]) -> tuple[list[int], list[float]]:
    """Thirty log-ins at once, and the health check asked every 20 ms until they are all answered."""
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        await client.get("/inloggen")
        # Made before the flood: a client builds its TLS context when it is made (tens of milliseconds of CPU).
        browsers = [httpx.AsyncClient(base_url=base_url, cookies=client.cookies, timeout=60) for _ in emails]

        async def log_in(browser: httpx.AsyncClient, email: str) -> int:
            form = {"email": email, "password": PASSWORD, "_csrf_token": client.cookies["hk_csrf"]}
            async with browser:
                return (await browser.post("/inloggen", data=form)).status_code

        health: list[float] = []
        logins = asyncio.gather(*(log_in(browser, email) for browser, email in zip(browsers, emails, strict=True)))
        while not logins.done():
            started = time.perf_counter()
            assert (await client.get("/health")).status_code == 200
            health.append(time.perf_counter() - started)
            await asyncio.sleep(0.02)
        return await logins, health


def _seconds_of_one_hash() -> float:
    """How long one password takes to hash on this machine right now (the median of three)."""
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        hash_password("een wachtwoord om te meten")
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def test_thirty_log_ins_at_once_leave_the_health_check_answering(app, test_settings):
    # Thirty people of one office (one address) at once: thirty attempts on one account would be slowed down after
    # the tenth (test_accounts.py), all thirty people get in.
    emails = [f"kim{n}@flood.example" for n in range(30)]
    for email in emails:
        make_user(test_settings, "admin", email=email, password=PASSWORD)
    assert HASHING_AT_ONCE == 2
    server = uvicorn.Server(uvicorn.Config(app, port=free_port(), log_level="warning", lifespan="on"))
    serving = threading.Thread(target=server.run, daemon=True)
    serving.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        one_hash = _seconds_of_one_hash()
        statuses, health = asyncio.run(_flood(f"http://127.0.0.1:{server.config.port}", emails))
    finally:
        server.should_exit = True
        serving.join(timeout=30)

    assert set(statuses) == {303}  # every log-in answered, none lost
    # 30 passwords take 2 s or more of argon2, and the health check is asked all along. It waits only for its turn
    # among the requests that arrived with it (the thirty log-ins reach the loop at once: their parsing, a few
    # milliseconds each, is ahead of it in the queue once). The target is 100 ms. Where one hash takes longer than
    # that (0.13-0.16 s on this machine when idle, 0.4 s in a busy CI run), the bound is one hash: with argon2 on the
    # event loop, the health check waited for two hashes in the median (0.25 s), and every request with it.
    bound = max(0.1, one_hash)
    assert len(health) >= 10, len(health)
    assert statistics.median(health) < bound, (bound, sorted(health))
    assert max(health) < 10 * bound, (bound, sorted(health))
