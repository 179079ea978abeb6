"""The app's own connections are set up as the code says: SQLite with foreign keys and the write-ahead log;
PostgreSQL without JIT (the reports' queries were slower with it), through asyncpg and through psycopg alike."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import make_url

from huiskamer.config import Settings
from huiskamer.db import alchemy_config
from tests.factories import run_coroutine


def _first_values(url: str, *statements: str) -> list[str]:
    async def go() -> list[str]:
        engine = alchemy_config(Settings(database_url=url)).get_engine()
        try:
            async with engine.connect() as connection:
                return [str((await connection.execute(text(statement))).scalar()) for statement in statements]
        finally:
            await engine.dispose()

    return run_coroutine(go())


def test_the_apps_connections_are_configured(database_url):
    if database_url.startswith("sqlite"):
        assert _first_values(database_url, "PRAGMA foreign_keys", "PRAGMA journal_mode") == ["1", "wal"]
        return
    for driver in ("postgresql+asyncpg", "postgresql+psycopg"):
        url = make_url(database_url).set(drivername=driver).render_as_string(hide_password=False)
        assert _first_values(url, "SHOW jit") == ["off"], driver
