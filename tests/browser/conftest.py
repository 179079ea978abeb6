"""Browser tests: a real server process on its own database with the demo data, driven by Playwright
in Debian's Chromium. Without Chromium they skip locally, and fail in CI (conftest turns skips into failures)."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from huiskamer.cli import _run_in_session, upgrade_database
from huiskamer.config import Settings, normalise_database_url
from huiskamer.demo import DEMO_PASSWORD, load_demo

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
WIDTHS = {"telefoon": 360, "desktop": 1280}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _browser_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    postgres = os.environ.get("HUISKAMER_TEST_POSTGRES_URL")
    if not postgres:
        return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('browser') / 'browser.sqlite'}"
    base = make_url(normalise_database_url(postgres))
    name = f"huiskamer_browser_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"
    admin_url = base.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def live_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The live server's database, with the demo organisation loaded; a test may add records of its own."""
    url = _browser_database(tmp_path_factory)
    settings = Settings(database_url=url)
    upgrade_database(settings)
    _run_in_session(settings, load_demo)
    return url


@pytest.fixture(scope="session")
def live_server(live_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app served by `huiskamer serve` with the demo organisation loaded."""
    url = live_database
    port = _free_port()
    env = {
        **os.environ,
        "HUISKAMER_DATABASE_URL": url,
        "HUISKAMER_DEV": "1",
        "HUISKAMER_SECRET_KEY": secrets.token_hex(32),
        "HUISKAMER_BASE_URL": f"http://127.0.0.1:{port}",
    }
    command = [
        sys.executable,
        "-c",
        "from huiskamer.cli import main; main()",
        "serve",
        "--port",
        str(port),
        "--workers",
        "2",
    ]
    log = tmp_path_factory.mktemp("server") / "server.log"
    with log.open("wb") as output:
        # A session of its own, so that stopping it stops uvicorn's worker processes too.
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120  # a busy 2-core machine can take a while to start two workers
    while time.monotonic() < deadline:
        try:
            if httpx.get(base_url + "/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.3)
    else:
        _stop(process)
        raise RuntimeError("de testserver startte niet: " + log.read_text()[-2000:])
    if process.poll() is not None:
        raise RuntimeError("de testserver stopte: " + log.read_text()[-2000:])
    yield base_url
    _stop(process)


def _stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def browser(live_server: str) -> Iterator:  # the server (and its asyncio set-up) first
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is niet geïnstalleerd (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """``new_page(width)`` gives a fresh browser context (no cookies) at that viewport width."""
    contexts = []

    def make(width: int = 1280):
        context = browser.new_context(viewport={"width": width, "height": 900}, base_url=live_server, locale="nl-NL")
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def log_in(page, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/inloggen")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state("networkidle")


def go_to(page, label: str) -> None:
    """Click an item of the main menu, as a person would: on a phone the menu opens first (a button)."""
    button = page.locator(".menu-button")
    if button.is_visible() and not page.locator(".main-nav").is_visible():
        button.click()
    page.locator(".main-nav").get_by_role("link", name=label, exact=True).click()
    page.wait_for_load_state("networkidle")


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page) -> list[str]:
    """WCAG 2.0/2.1 A and AA violations that axe-core finds on the page, as readable lines."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}},
    )
    return [
        f"{violation['id']}: {violation['help']} ({len(violation['nodes'])}x, e.g. {violation['nodes'][0]['target']})"
        for violation in results.response["violations"]
    ]
