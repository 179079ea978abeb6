"""A scratch PostgreSQL database for one benchmark run: created empty, dropped afterwards (shared by the scripts)."""

from __future__ import annotations

import os

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def _admin_engine(server: str):
    """An autocommit connection to the server's "postgres" database (CREATE/DROP DATABASE need one)."""
    url = make_url(server).set(drivername="postgresql+psycopg", database="postgres")
    return create_engine(url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")


def create_scratch_database(server: str, label: str) -> tuple[str, str]:
    """A new empty database named after the benchmark and this process; returns its URL (the server's driver)
    and its name."""
    name = f"huiskamer_bench_{label}_{os.getpid()}"
    admin = _admin_engine(server)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False), name


def drop_scratch_database(server: str, name: str) -> None:
    admin = _admin_engine(server)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
