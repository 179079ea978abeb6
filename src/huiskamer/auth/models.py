"""Users, their organisations and locations, and the secrets that let them in."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, BigInteger, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql import false

from huiskamer.db import UUIDAuditBase, UUIDBase

if TYPE_CHECKING:
    from huiskamer.locations.models import Location


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    YOUTH_WORKER = "youth_worker"
    REFERRER = "referrer"


ROLE_NAMES_NL: dict[str, str] = {
    Role.ADMIN: "beheerder",
    Role.COORDINATOR: "coördinator",
    Role.YOUTH_WORKER: "kinderwerker",
    Role.REFERRER: "verwijzer",
}

# The referral sources of api-v1.md; a referrer organisation's type is one of them.
ORGANISATION_TYPES_NL: dict[str, str] = {
    "school": "school",
    "ggd": "GGD",
    "youth_mental_health": "jeugd-ggz",
    "police": "politie (wijkagent)",
    "social_team": "wijkteam",
    "guardian": "ouder/verzorger",
    "gp": "huisarts",
    "youth_care": "jeugdzorg",
    "other": "anders",
}


class Organisation(UUIDAuditBase):
    """A referring organisation (a school, the GGD, the police...)."""

    __tablename__ = "organisations"
    __audited__ = True

    name: Mapped[str] = mapped_column(String(160))
    type: Mapped[str] = mapped_column(String(32))

    __table_args__ = (UniqueConstraint("name", "type"),)


class User(UUIDAuditBase):
    __tablename__ = "users"
    __audited__ = True
    __audit_masked__ = frozenset({"password_hash", "totp_secret"})

    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    active: Mapped[bool] = mapped_column(default=True)
    organisation_id: Mapped[UUID | None] = mapped_column(ForeignKey("organisations.id"), default=None, index=True)
    email_notifications: Mapped[bool] = mapped_column(default=False)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    # The authenticator app's key, sealed with the secret key (``auth.second_factor``); it counts as a second factor
    # once confirmed with a code. The last time step used: a code is accepted once only.
    totp_secret: Mapped[str | None] = mapped_column(String(200), default=None)
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, default=None)

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    location_links: Mapped[list[UserLocation]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def location_ids(self) -> list[UUID]:
        return [link.location_id for link in self.location_links]

    @property
    def role_name(self) -> str:
        return ROLE_NAMES_NL.get(self.role, self.role)


class UserLocation(UUIDBase):
    """Scopes a coordinator or youth worker to a location."""

    __tablename__ = "user_locations"
    __audited__ = True

    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[UUID] = mapped_column(ForeignKey("locations.id", ondelete="CASCADE"), index=True)
    user: Mapped[User] = relationship(back_populates="location_links")
    location: Mapped[Location] = relationship(back_populates="staff", lazy="joined")

    __table_args__ = (UniqueConstraint("user_id", "location_id"),)


class UserSession(UUIDBase):
    """A logged-in browser. Only the SHA-256 of the cookie value is stored."""

    __tablename__ = "user_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)
    # The last request, to the minute (``auth.service.find_session``): the idle timeout counts from it.
    used_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    flash: Mapped[list[dict[str, str]] | None] = mapped_column(JSON, default=None)
    # After the password, before the second factor: the session lets its user do nothing but the second step (or
    # set one up). It is given a new cookie value when the step is done.
    second_factor_pending: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The WebAuthn challenge of the passkey ceremony under way in this browser, base64url.
    challenge: Mapped[str | None] = mapped_column(String(200), default=None)


class ApiToken(UUIDBase):
    """A bearer token for the JSON API. Only the SHA-256 of the token is stored."""

    __tablename__ = "api_tokens"
    __audited__ = True
    __audit_masked__ = frozenset({"token_hash"})

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # What the user calls it ("Koppeling schoolsysteem"), so that they know which one to revoke.
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    # Every token ends: 90 days unless chosen otherwise, at most 365 (ASVS 7.4.3).
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class Invitation(UUIDBase):
    """A one-time link with which a new user sets a password. Only the SHA-256 of the token is stored."""

    __tablename__ = "invitations"
    __audited__ = True
    __audit_masked__ = frozenset({"token_hash"})

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class LoginThrottle(UUIDBase):
    """Log-in attempts per account and source address, and per source address, shared by every worker. An attempt
    is counted before its password is checked (``auth.throttle``)."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(300), unique=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class SecurityEventKind(StrEnum):
    LOGIN_FAILED = "login_failed"
    LOGIN_SLOWED = "login_slowed"
    TOKEN_CREATED = "token_created"  # noqa: S105 (a kind of event, not a password)
    TOKEN_REVOKED = "token_revoked"  # noqa: S105
    TOKENS_REVOKED = "tokens_revoked"
    SECOND_FACTOR_FAILED = "second_factor_failed"
    SECOND_FACTOR_SLOWED = "second_factor_slowed"
    SECOND_FACTOR_ADDED = "second_factor_added"
    SECOND_FACTOR_REMOVED = "second_factor_removed"
    SECOND_FACTOR_RESET = "second_factor_reset"
    RECOVERY_CODE_USED = "recovery_code_used"
    RECOVERY_CODES_RENEWED = "recovery_codes_renewed"
    LOGIN = "login"
    AUDIT_READ = "audit_read"
    AUDIT_CHAIN_INTACT = "audit_chain_intact"
    AUDIT_CHAIN_BROKEN = "audit_chain_broken"
    ACCOUNT_DEACTIVATED = "account_deactivated"
    ACCOUNT_REACTIVATED = "account_reactivated"


class SecurityEvent(UUIDBase):
    """The security log: what the beheerder reads to see an attack or a misuse of an account (ASVS 16.3). Not the
    audit trail of changes: failed log-ins change nothing, and log-ins would drown the changes there."""

    __tablename__ = "security_events"

    at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    # The account concerned when it exists; for a log-in, the e-mail as typed (an attacker's guesses included).
    user_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None)
    email: Mapped[str] = mapped_column(String(254), default="")
    address: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(String(300), default="")


class KeptForm(UUIDBase):
    """What was typed in a form that was sent after its session had ended (issue 16.5): kept on the server for the
    session's user, given back once when they have logged in again, forgotten after an hour (never kept in the
    browser's storage). Passwords and the CSRF token are never kept."""

    __tablename__ = "kept_forms"

    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(500))
    fields: Mapped[dict[str, str | list[str]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)


class RecoveryCode(UUIDBase):
    """One of the ten one-time codes that stand in for the second factor when the phone is lost. Only a keyed hash
    (HMAC with the secret key) is stored: a copy of the database alone does not let anyone try them offline."""

    __tablename__ = "recovery_codes"
    __audited__ = True
    __audit_masked__ = frozenset({"code_hash"})

    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class Passkey(UUIDBase):
    """A WebAuthn credential (a passkey on a phone, a security key) registered as a second factor."""

    __tablename__ = "passkeys"
    __audited__ = True
    __audit_masked__ = frozenset({"public_key"})

    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)  # base64url, as the browser sends it
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
