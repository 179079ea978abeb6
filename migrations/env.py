"""Alembic environment: async engine, URL from the settings, batch mode for SQLite."""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

import huiskamer.models  # noqa: F401  (registers every table)
from huiskamer.config import Settings
from huiskamer.db import metadata

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _url() -> str:
    return config.attributes.get("database_url") or Settings.from_env().database_url


def _compare_type(context, inspected_column, metadata_column, inspected_type, metadata_type):
    # SQLite reports advanced-alchemy's GUID as NUMERIC(16): the same storage, not a change.
    if context.dialect.name == "sqlite" and metadata_type.__class__.__module__.startswith("advanced_alchemy"):
        return False
    return None  # let Alembic compare as usual


# Indexes made by hand in a migration that SQLAlchemy cannot describe (a PostgreSQL trigram index, present only
# where pg_trgm is): autogenerate and ``alembic check`` must neither drop nor add them.
_HAND_MADE_INDEXES = {"ix_children_match_trgm"}


def _include_object(obj, name, type_, reflected, compare_to):
    return not (type_ == "index" and name in _HAND_MADE_INDEXES)


def _configure(connection: Connection | None = None, url: str | None = None) -> None:
    dialect = connection.dialect.name if connection is not None else (url or "").split(":")[0]
    context.configure(
        connection=connection,
        url=url,
        target_metadata=metadata,
        render_as_batch=dialect.startswith("sqlite"),
        compare_type=_compare_type,
        include_object=_include_object,
        literal_binds=connection is None,
    )


def run_migrations_offline() -> None:
    _configure(url=_url())
    with context.begin_transaction():
        context.run_migrations()


def _run_sync(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_sync(connection)
        return
    engine = create_async_engine(_url())
    async with engine.connect() as async_connection:
        await async_connection.run_sync(_run_sync)
        await async_connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
