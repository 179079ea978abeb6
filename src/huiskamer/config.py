"""Settings, read from the environment in one place."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
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
class SmtpSettings:
    host: str
    port: int = 587
    username: str = ""
    password: str = ""
    sender: str = "Huiskamer <noreply@huiskamer.example>"
    # "starttls" (port 587), "tls" (port 465) or "none" (a relay on localhost)
    security: str = "starttls"
    timeout_seconds: float = 20.0

    @classmethod
    def from_env(cls) -> SmtpSettings | None:
        host = os.environ.get("HUISKAMER_SMTP_HOST", "").strip()
        if not host:
            return None  # no mail server: the outbox simply waits
        return cls(
            host=host,
            port=int(os.environ.get("HUISKAMER_SMTP_PORT", "587")),
            username=os.environ.get("HUISKAMER_SMTP_USERNAME", ""),
            password=os.environ.get("HUISKAMER_SMTP_PASSWORD", ""),
            sender=os.environ.get("HUISKAMER_SMTP_FROM", cls.sender),
            security=os.environ.get("HUISKAMER_SMTP_SECURITY", "starttls").lower(),
        )


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str = ""
    # Development mode: cookies without Secure (plain http on localhost), a generated secret key.
    dev_mode: bool = False
    base_url: str = "http://127.0.0.1:8000"
    # The organisation's own name, in the text of the e-mails it sends (an invitation says who invites).
    organisation_name: str = ""
    templates_dir: Path = PROJECT_ROOT / "templates"
    static_dir: Path = PROJECT_ROOT / "static"
    session_max_age_seconds: int = 8 * 3600  # absolute: a session ends 8 hours after the log-in
    session_idle_seconds: int = 30 * 60  # and after half an hour without a request (ASVS 7.3.1)
    invitation_valid_days: int = 7
    login_max_failures: int = 10  # per account and source address
    login_max_failures_per_address: int = 30  # over all accounts
    login_block_minutes: int = 15
    # A second factor for the beheerder and coordinators (and, by the organisation's setting, everyone). Off only in
    # development (the demo: ``huiskamer start``), where a user may still set one up.
    second_factor_required: bool = True
    echo_sql: bool = False
    # PostgreSQL: keep connections open in a pool per worker. Off (``HUISKAMER_DATABASE_POOL=0``) behind a pooler
    # such as PgBouncer, which pools them itself.
    database_pool: bool = True
    smtp: SmtpSettings | None = None
    # How often the background worker looks for work (e-mail to send, offers that expired).
    worker_interval_seconds: float = 5.0
    run_worker: bool = True

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
            organisation_name=" ".join(os.environ.get("HUISKAMER_ORGANISATION_NAME", "").split())[:120],
            echo_sql=_env_bool("HUISKAMER_ECHO_SQL", False),
            database_pool=_env_bool("HUISKAMER_DATABASE_POOL", True),
            smtp=SmtpSettings.from_env(),
            worker_interval_seconds=float(os.environ.get("HUISKAMER_WORKER_INTERVAL", "5")),
            run_worker=_env_bool("HUISKAMER_RUN_WORKER", True),
            session_idle_seconds=int(os.environ.get("HUISKAMER_SESSION_IDLE_MINUTES", "30")) * 60,
            second_factor_required=_env_bool("HUISKAMER_REQUIRE_2FA", not dev_mode),
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        return not self.dev_mode

    def cookie_name(self, name: str) -> str:
        """In production a cookie is ``__Host-``: the browser keeps it for this host only, over HTTPS, for the whole
        site, so that no other (sub)domain can set or overwrite it (ASVS 3.3.1). Plain over http in development."""
        return f"__Host-{name}" if self.secure_cookies else name

    def require_secret(self) -> None:
        if len(self.secret_key) < 16:
            msg = (
                "HUISKAMER_SECRET_KEY ontbreekt of is te kort (minimaal 16 tekens). "
                "Zet HUISKAMER_DEV=1 voor lokale ontwikkeling."
            )
            raise SystemExit(msg)
