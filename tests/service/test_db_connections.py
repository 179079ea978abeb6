"""The app's own connections are set up as the code says: SQLite with foreign keys and the write-ahead log;
PostgreSQL without JIT (the reports' queries were slower with it), through asyncpg and through psycopg alike."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from huiskamer.config import Settings
from huiskamer.db import alchemy_config
from tests.factories import run_coroutine


def _first_values(url: str, *statements: str, pool: bool = True) -> list[str]:
    async def go() -> list[str]:
        engine = alchemy_config(Settings(database_url=url, database_pool=pool)).get_engine()
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


def test_without_a_pool_each_session_has_a_connection_of_its_own_that_still_runs_without_jit(database_url, monkeypatch):
    """``HUISKAMER_DATABASE_POOL=0`` (behind PgBouncer): no pool of our own, and connections set up as with one."""
    monkeypatch.setenv("HUISKAMER_DATABASE_URL", database_url)
    monkeypatch.setenv("HUISKAMER_DATABASE_POOL", "0")
    monkeypatch.setenv("HUISKAMER_DEV", "1")
    settings = Settings.from_env()
    assert settings.database_pool is False
    engine = alchemy_config(settings).get_engine()
    if database_url.startswith("sqlite"):
        return  # SQLite has no pool setting of its own
    assert isinstance(engine.pool, NullPool)
    assert _first_values(database_url, "SHOW jit", pool=False) == ["off"]
