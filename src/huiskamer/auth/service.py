"""Log-in, sessions, API tokens, invitations and passwords: the rules of getting in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.audit.hook import AuditActor, set_actor
from huiskamer.auth.actor import Actor
from huiskamer.auth.models import (
    ApiToken,
    Invitation,
    LoginThrottle,
    Organisation,
    Role,
    User,
    UserLocation,
    UserSession,
)
from huiskamer.auth.secrets import (
    hash_password_off_loop,
    new_token,
    password_problem,
    token_hash,
    verify_password_off_loop,
)
from huiskamer.config import Settings
from huiskamer.errors import Forbidden, InvalidInput, NotFound

# One message for a wrong password, an unknown e-mail and the slow-down alike: it never tells
# whether an account exists.
LOGIN_FAILED = (
    "Inloggen is niet gelukt. Controleer uw e-mailadres en wachtwoord. "
    "Na 10 mislukte pogingen kunt u een kwartier niet inloggen."
)


class LoginFailed(Exception):
    message = LOGIN_FAILED


def _now() -> datetime:
    return datetime.now(UTC)


# --- slowing down guessers ---------------------------------------------------------------------


def _throttle_keys(email: str, ip: str | None) -> list[str]:
    keys = ["email:" + email.strip().lower()[:254]]
    if ip:
        keys.append("ip:" + ip[:64])
    return keys


async def _is_blocked(db: AsyncSession, keys: list[str], now: datetime) -> bool:
    rows = await db.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys)))
    return any(row.blocked_until is not None and row.blocked_until > now for row in rows)


async def _count_failure(db: AsyncSession, keys: list[str], settings: Settings, now: datetime) -> None:
    window = timedelta(minutes=settings.login_block_minutes)
    for key in keys:
        row = await db.scalar(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update())
        if row is None:
            db.add(LoginThrottle(key=key, failures=1, window_started_at=now))
            continue
        if row.window_started_at + window < now:
            row.failures, row.window_started_at, row.blocked_until = 0, now, None
        row.failures += 1
        if row.failures >= settings.login_max_failures:
            row.blocked_until = now + window


async def _clear_failures(db: AsyncSession, email: str) -> None:
    # Only the account's counter: a shared office IP stays counted for the guesser's sake.
    await db.execute(delete(LoginThrottle).where(LoginThrottle.key == _throttle_keys(email, None)[0]))


async def authenticate(db: AsyncSession, settings: Settings, email: str, password: str, ip: str | None) -> User:
    """Returns the active user with this e-mail and password; raises LoginFailed otherwise (and counts it)."""
    now = _now()
    # Whatever was typed is only compared, never trusted: control characters (NUL breaks PostgreSQL) go.
    email = "".join(ch for ch in email if ch >= " ")
    keys = _throttle_keys(email, ip)
    if await _is_blocked(db, keys, now):
        raise LoginFailed
    user = await db.scalar(select(User).where(User.email == email.strip().lower()[:254]))
    # The read is over: the connection goes back to the pool while argon2 works (a tenth of a second), so that a
    # flood of log-ins does not hold every connection and stall every other request waiting for one.
    await db.commit()
    password_ok = await verify_password_off_loop(password[:500], user.password_hash if user else None)
    if user is None or not password_ok or not user.active:
        await _count_failure(db, keys, settings, now)
        await db.commit()  # the failure must count even though the request ends in an error
        raise LoginFailed
    await _clear_failures(db, email)
    # From here on the request acts for the user who proved who they are: the audit names them, not "anoniem".
    set_actor(AuditActor(id=user.id, label=f"{user.name} <{user.email}>"))
    user.last_login_at = now
    return user


# --- browser sessions --------------------------------------------------------------------------


async def start_session(db: AsyncSession, settings: Settings, user: User) -> str:
    """A new session with a fresh random id (never one the browser brought: no session fixation)."""
    raw = new_token()
    now = _now()
    db.add(
        UserSession(
            token_hash=token_hash(raw),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(seconds=settings.session_max_age_seconds),
        )
    )
    await db.flush()
    return raw


@dataclass(frozen=True)
class SessionLookup:
    actor: Actor
    flash: list[dict[str, str]] | None


def _actor_columns():
    """What an Actor is made of: the user's own columns and, one row each, the user's locations. Only ids: a
    request that shows a location reads it itself."""
    return (User.id, User.email, User.name, User.role, User.organisation_id, UserLocation.location_id)


def _actor_from(rows: Sequence[Any], session_id: UUID | None = None) -> Actor:
    first = rows[0]
    return Actor(
        id=first.id,
        email=first.email,
        name=first.name,
        role=Role(first.role),
        location_ids=frozenset(row.location_id for row in rows if row.location_id is not None),
        organisation_id=first.organisation_id,
        session_id=session_id,
    )


@cache
def _session_statement():
    # Built once, so that SQLAlchemy keeps its cache key: every request runs it.
    return (
        select(UserSession.id.label("session_id"), UserSession.flash, *_actor_columns())
        .join(User, User.id == UserSession.user_id)
        .outerjoin(UserLocation, UserLocation.user_id == User.id)
        .where(
            UserSession.token_hash == bindparam("token_hash"),
            UserSession.expires_at > bindparam("now", type_=UserSession.expires_at.type),
            User.active.is_(True),
        )
    )


async def find_session(db: AsyncSession, raw: str) -> SessionLookup | None:
    """The logged-in user of a session cookie, with the user's location ids: one indexed query (of columns: no
    ORM objects)."""
    if not raw or len(raw) > 200:
        return None
    connection = await db.connection()
    rows = (await connection.execute(_session_statement(), {"token_hash": token_hash(raw), "now": _now()})).all()
    if not rows:
        return None
    return SessionLookup(actor=_actor_from(rows, rows[0].session_id), flash=rows[0].flash)


async def end_session(db: AsyncSession, session_id: UUID) -> None:
    await db.execute(delete(UserSession).where(UserSession.id == session_id))


async def end_all_sessions_and_tokens(db: AsyncSession, user_id: UUID, *, keep_session: UUID | None = None) -> None:
    """Used when a user is deactivated or changes the password: everything else that was logged in ends now."""
    query = delete(UserSession).where(UserSession.user_id == user_id)
    if keep_session is not None:
        query = query.where(UserSession.id != keep_session)
    await db.execute(query)
    if keep_session is None:
        await db.execute(
            update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None)).values(revoked_at=_now())
        )


async def push_flash(db: AsyncSession, session_id: UUID, message: str, kind: str = "success") -> None:
    row = await db.get(UserSession, session_id)
    if row is not None:
        row.flash = [*(row.flash or []), {"kind": kind, "message": message}]


async def flash(db: AsyncSession, actor: Actor, message: str, kind: str = "success") -> None:
    """A message on the actor's next page (an API token has no session, so nothing shows it)."""
    if actor.session_id is not None:
        await push_flash(db, actor.session_id, message, kind)


async def pop_flash(db: AsyncSession, session_id: UUID, flash: list[dict[str, str]] | None) -> list[dict[str, str]]:
    messages = list(flash or [])
    if messages:
        await db.execute(update(UserSession).where(UserSession.id == session_id).values(flash=None))
        await db.commit()
    return messages


# --- API tokens --------------------------------------------------------------------------------


async def create_api_token(db: AsyncSession, user: User) -> str:
    if not user.active:
        raise InvalidInput({"email": "Dit account is niet actief."})
    raw = "hk_" + new_token()
    db.add(ApiToken(token_hash=token_hash(raw), user_id=user.id, created_at=_now()))
    await db.flush()
    return raw


async def find_token_actor(db: AsyncSession, raw: str) -> Actor | None:
    """The user of an API token, with the user's location ids: one indexed query."""
    if not raw or len(raw) > 200:
        return None
    query = (
        select(*_actor_columns())
        .join(ApiToken, ApiToken.user_id == User.id)
        .outerjoin(UserLocation, UserLocation.user_id == User.id)
        .where(ApiToken.token_hash == token_hash(raw), ApiToken.revoked_at.is_(None), User.active.is_(True))
    )
    rows = (await db.execute(query)).all()
    return _actor_from(rows) if rows else None


# --- passwords and invitations -----------------------------------------------------------------


async def change_password(
    db: AsyncSession, user_id: UUID, session_id: UUID | None, current: str, new: str, repeat: str
) -> None:
    """The current password must be right; every other session of this user ends."""
    user = await db.get(User, user_id)
    if user is None:
        raise NotFound
    errors: dict[str, str] = {}
    if not await verify_password_off_loop(current[:500], user.password_hash):
        errors["current_password"] = "Uw huidige wachtwoord klopt niet."  # noqa: S105 (a message, not a password)
    problem = password_problem(new)
    if problem:
        errors["new_password"] = problem
    elif new != repeat:
        errors["repeat_password"] = "De twee nieuwe wachtwoorden zijn niet gelijk."  # noqa: S105
    if errors:
        raise InvalidInput(errors)
    user.password_hash = await hash_password_off_loop(new)
    await end_all_sessions_and_tokens(db, user.id, keep_session=session_id)


async def create_invitation(db: AsyncSession, settings: Settings, user: User) -> str:
    """A new one-time link (valid for a week); earlier unused links of this user stop working."""
    now = _now()
    await db.execute(
        update(Invitation).where(Invitation.user_id == user.id, Invitation.used_at.is_(None)).values(expires_at=now)
    )
    raw = new_token()
    db.add(
        Invitation(
            token_hash=token_hash(raw),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(days=settings.invitation_valid_days),
        )
    )
    await db.flush()
    return raw


def invitation_url(settings: Settings, raw: str) -> str:
    return f"{settings.base_url}/uitnodiging/{raw}"


async def find_invitation(db: AsyncSession, raw: str) -> tuple[Invitation, User] | None:
    if not raw or len(raw) > 200:
        return None
    row = (
        await db.execute(
            select(Invitation, User)
            .join(User, User.id == Invitation.user_id)
            .where(
                Invitation.token_hash == token_hash(raw),
                Invitation.used_at.is_(None),
                Invitation.expires_at > _now(),
                User.active.is_(True),
            )
        )
    ).first()
    return (row[0], row[1]) if row else None


async def accept_invitation(db: AsyncSession, raw: str, new: str, repeat: str) -> User:
    """Sets the first password through a valid, unused link; the link is then used up."""
    found = await find_invitation(db, raw)
    if found is None:
        raise NotFound("Deze uitnodiging is verlopen of al gebruikt. Vraag de beheerder om een nieuwe link.")
    invitation, user = found
    problem = password_problem(new)
    if problem:
        raise InvalidInput({"new_password": problem})
    if new != repeat:
        raise InvalidInput({"repeat_password": "De twee wachtwoorden zijn niet gelijk."})
    invitation.used_at = _now()
    user.password_hash = await hash_password_off_loop(new)
    # Also a password reset: whoever was logged in with the old password is logged out.
    await db.execute(delete(UserSession).where(UserSession.user_id == user.id))
    return user


async def organisation_of(db: AsyncSession, actor: Actor) -> Organisation | None:
    return await db.get(Organisation, actor.organisation_id) if actor.organisation_id else None


# --- one's own account -------------------------------------------------------------------------


async def account_of(db: AsyncSession, actor: Actor) -> User:
    user = await db.get(User, actor.id)
    if user is None:
        raise NotFound("Dit account bestaat niet meer.")
    return user


def may_get_referral_email(actor: Actor) -> bool:
    """Who submits referrals (referrers, and coordinators who refer a child themselves) can hear of changes."""
    return actor.is_referrer or actor.is_coordinator


async def set_email_notifications(db: AsyncSession, actor: Actor, wanted: bool) -> User:
    """A user who submits referrals chooses whether a change in them is also sent by e-mail (without child data)."""
    if not may_get_referral_email(actor):
        raise Forbidden("E-mail over aanmeldingen is er voor wie kinderen aanmeldt.")
    user = await account_of(db, actor)
    user.email_notifications = wanted
    return user
