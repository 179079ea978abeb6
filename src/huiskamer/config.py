"""Settings, read from the environment in one place."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(os.environ.get("HUISKAMER_BASE_DIR", Path(__file__).resolve().parents[2]))
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///huiskamer.sqlite"
# Only used when the app runs in local development mode without HUISKAMER_SECRET_KEY.
_DEV_SECRET = secrets.token_hex(32)


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "ja", "on"}


def normalise_database_url(url: str) -> str:
    """Accept the URLs people type and give SQLAlchemy an async driver for each."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        url = "sqlite+aiosqlite://" + url.removeprefix("sqlite://")
    return url


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str = ""
    # Development mode: cookies without Secure (plain http on localhost), a generated secret key.
    dev_mode: bool = False
    base_url: str = "http://127.0.0.1:8000"
    templates_dir: Path = PROJECT_ROOT / "templates"
    static_dir: Path = PROJECT_ROOT / "static"
    session_max_age_seconds: int = 8 * 3600
    invitation_valid_days: int = 7
    login_max_failures: int = 10
    login_block_minutes: int = 15
    echo_sql: bool = False
    smtp: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> Settings:
        dev_mode = _env_bool("HUISKAMER_DEV", False)
        secret = os.environ.get("HUISKAMER_SECRET_KEY", "")
        if not secret and dev_mode:
            secret = _DEV_SECRET
        return cls(
            database_url=normalise_database_url(os.environ.get("HUISKAMER_DATABASE_URL", DEFAULT_DATABASE_URL)),
            secret_key=secret,
            dev_mode=dev_mode,
            base_url=os.environ.get("HUISKAMER_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
            echo_sql=_env_bool("HUISKAMER_ECHO_SQL", False),
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        return not self.dev_mode

    def require_secret(self) -> None:
        if len(self.secret_key) < 16:
            msg = (
                "HUISKAMER_SECRET_KEY ontbreekt of is te kort (minimaal 16 tekens). "
                "Zet HUISKAMER_DEV=1 voor lokale ontwikkeling."
            )
            raise SystemExit(msg)
