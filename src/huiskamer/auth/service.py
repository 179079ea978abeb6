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

from huiskamer.audit.hook import AuditActor, note_use, set_actor
from huiskamer.auth import security_log, throttle
from huiskamer.auth.actor import Actor
from huiskamer.auth.models import (
    ApiToken,
    Invitation,
    Organisation,
    Role,
    SecurityEventKind,
    User,
    UserLocation,
    UserSession,
)
from huiskamer.auth.second_factor import PENDING_MINUTES
from huiskamer.auth.secrets import (
    hash_password_off_loop,
    new_token,
    password_problem,
    token_hash,
    verify_password_off_loop,
)
from huiskamer.config import Settings
from huiskamer.db import one_writer_per_process
from huiskamer.errors import Forbidden, InvalidInput, NotFound

# One message for a wrong password, an unknown e-mail and the slow-down alike: it never tells
# whether an account exists.
LOGIN_FAILED = (
    "Inloggen is niet gelukt. Controleer uw e-mailadres en wachtwoord. "
    "Na 10 mislukte pogingen kunt u het op dit apparaat een kwartier niet opnieuw proberen."
)


class LoginFailed(Exception):
    message = LOGIN_FAILED


def _now() -> datetime:
    return datetime.now(UTC)


async def authenticate(db: AsyncSession, settings: Settings, email: str, password: str, ip: str | None) -> User:
    """Returns the active user with this e-mail and password; raises LoginFailed otherwise. Every attempt is
    counted before the password is checked (``auth.throttle``); failures go to the security log."""
    now = _now()
    # Whatever was typed is only compared, never trusted: control characters (NUL breaks PostgreSQL) go.
    email = "".join(ch for ch in email if ch >= " ").strip()[:254]
    # On SQLite the attempts of this process count one after another, queued without a connection: thirty log-ins
    # at once would otherwise each hold a pooled connection while waiting for the write lock, and every other
    # request would wait for a connection.
    async with one_writer_per_process(db):
        verdict = await throttle.count_attempt(db, settings, email, ip, now)
        if verdict is not throttle.Verdict.ALLOWED:
            if verdict is throttle.Verdict.SLOWED_NOW:  # logged once per window, not for every attempt of a flood
                await security_log.record(db, SecurityEventKind.LOGIN_SLOWED, email=email, address=ip)
            await db.commit()
            raise LoginFailed
        user = await db.scalar(select(User).where(User.email == email.lower()))
        # The count is in for parallel attempts to see, and the connection goes back to the pool while argon2 works
        # (a tenth of a second): a flood of log-ins does not hold every connection and stall every other request.
        await db.commit()
    password_ok = await verify_password_off_loop(password[:500], user.password_hash if user else None)
    if user is None or not password_ok or not user.active:
        why = (
            "onbekend e-mailadres"
            if user is None
            else ("account uitgeschakeld" if password_ok else "verkeerd wachtwoord")
        )
        await security_log.record(
            db, SecurityEventKind.LOGIN_FAILED, user_id=user.id if user else None, email=email, address=ip, detail=why
        )
        await db.commit()  # the failure must be logged even though the request ends in an error
        raise LoginFailed
    await throttle.succeeded(db, email, ip)
    # From here on the request acts for the user who proved who they are: the audit names them, not "anoniem".
    set_actor(AuditActor(id=user.id, label=f"{user.name} <{user.email}>", role=str(user.role)))
    user.last_login_at = now
    await security_log.record(db, SecurityEventKind.LOGIN, user_id=user.id, email=user.email, address=ip)
    return user


async def password_confirms(db: AsyncSession, settings: Settings, actor: Actor, password: str, ip: str | None) -> bool:
    """The logged-in user typed their own password again; counted and slowed down like a log-in."""
    verdict = await throttle.count_attempt(db, settings, actor.email, ip, _now())
    await db.commit()
    if verdict is not throttle.Verdict.ALLOWED:
        return False
    stored = await db.scalar(select(User.password_hash).where(User.id == actor.id))
    if await verify_password_off_loop(password[:500], stored):
        await throttle.succeeded(db, actor.email, ip)
        return True
    await security_log.record(
        db,
        SecurityEventKind.LOGIN_FAILED,
        user_id=actor.id,
        email=actor.email,
        address=ip,
        detail="verkeerd wachtwoord bij het wijzigen van de tweede factor",
    )
    await db.commit()
    return False


# --- browser sessions --------------------------------------------------------------------------


async def start_session(db: AsyncSession, settings: Settings, user: User, *, pending: bool = False) -> str:
    """A new session with a fresh random id (never one the browser brought: no session fixation). A *pending* one
    waits for the second factor (``auth.second_factor``): it opens nothing else, and ends in a few minutes."""
    raw = new_token()
    now = _now()
    lifetime = timedelta(minutes=PENDING_MINUTES) if pending else timedelta(seconds=settings.session_max_age_seconds)
    db.add(
        UserSession(
            token_hash=token_hash(raw),
            user_id=user.id,
            created_at=now,
            used_at=now,
            expires_at=now + lifetime,
            second_factor_pending=pending,
        )
    )
    await db.flush()
    return raw


@dataclass(frozen=True)
class SessionLookup:
    actor: Actor
    flash: list[dict[str, str]] | None
    # Password given, second factor not yet: the actor may only take the second step.
    pending: bool = False


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
        select(
            UserSession.id.label("session_id"),
            UserSession.flash,
            UserSession.used_at,
            UserSession.second_factor_pending,
            *_actor_columns(),
        )
        .join(User, User.id == UserSession.user_id)
        .outerjoin(UserLocation, UserLocation.user_id == User.id)
        .where(
            UserSession.token_hash == bindparam("token_hash"),
            UserSession.expires_at > bindparam("now", type_=UserSession.expires_at.type),
            UserSession.used_at > bindparam("idle_since", type_=UserSession.used_at.type),
            User.active.is_(True),
        )
    )


# How stale a session's ``used_at`` may get before a request writes it again: a write per request would make every
# page view a writer (on SQLite, one at a time). The idle timeout is thereby up to this much shorter.
SESSION_USE_PRECISION = timedelta(minutes=1)


async def find_session(db: AsyncSession, settings: Settings, raw: str) -> SessionLookup | None:
    """The logged-in user of a session cookie, with the user's location ids: one indexed query (of columns: no
    ORM objects). A session unused for ``session_idle_seconds`` has ended; a used one notes it (to the minute),
    with the request's commit."""
    if not raw or len(raw) > 200:
        return None
    now = _now()
    idle_since = now - timedelta(seconds=settings.session_idle_seconds)
    connection = await db.connection()
    parameters = {"token_hash": token_hash(raw), "now": now, "idle_since": idle_since}
    rows = (await connection.execute(_session_statement(), parameters)).all()
    if not rows:
        return None
    if rows[0].used_at < now - SESSION_USE_PRECISION:
        note_use(db.sync_session, update(UserSession).where(UserSession.id == rows[0].session_id).values(used_at=now))
    return SessionLookup(
        actor=_actor_from(rows, rows[0].session_id), flash=rows[0].flash, pending=rows[0].second_factor_pending
    )


async def touch_session(db: AsyncSession, session_id: UUID) -> None:
    """ "Ingelogd blijven": the session was used now, its idle time starts again (written at once: it is what the
    request is for). Not in the audit trail: it changes nothing."""
    await db.execute(update(UserSession).where(UserSession.id == session_id).values(used_at=_now()))
    await db.commit()


async def end_session(db: AsyncSession, session_id: UUID) -> None:
    await db.execute(delete(UserSession).where(UserSession.id == session_id))


async def end_all_sessions_and_tokens(
    db: AsyncSession, user_id: UUID, *, keep_session: UUID | None = None, why: str = ""
) -> None:
    """Used when a user is deactivated or changes the password: every other session ends now and every API token
    is revoked (a token made with the old password must not outlive it)."""
    query = delete(UserSession).where(UserSession.user_id == user_id)
    if keep_session is not None:
        query = query.where(UserSession.id != keep_session)
    await db.execute(query)
    revoked = await db.execute(
        update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None)).values(revoked_at=_now())
    )
    if revoked.rowcount:
        await security_log.record(
            db, SecurityEventKind.TOKENS_REVOKED, user_id=user_id, detail=f"{revoked.rowcount} sleutel(s); {why}"
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

TOKEN_DEFAULT_DAYS = 90
TOKEN_MAX_DAYS = 365
# How stale ``last_used_at`` may get before a request writes it again: a write on every API call would make
# every call a writer (on SQLite, one at a time).
TOKEN_USE_PRECISION = timedelta(minutes=5)


def parse_token_input(name: Any, expires_days: Any) -> tuple[str, int]:
    """A token's name and lifetime in days, as typed in the form, the CLI or JSON; bad input is refused per field."""
    errors: dict[str, str] = {}
    name = name.strip() if isinstance(name, str) else ""
    if len(name) > 100:
        errors["name"] = "Een naam van hoogstens 100 tekens."
    if expires_days is None or expires_days == "":
        days = TOKEN_DEFAULT_DAYS
    else:
        try:
            days = int(str(expires_days).strip())
        except ValueError:
            days = 0
        if not 1 <= days <= TOKEN_MAX_DAYS:
            errors["expires_days"] = f"Kies een geldigheid van 1 tot en met {TOKEN_MAX_DAYS} dagen."
    if errors:
        raise InvalidInput(errors)
    return name, days


async def create_api_token(
    db: AsyncSession, user: User, *, name: str = "", days: int = TOKEN_DEFAULT_DAYS, address: str | None = None
) -> str:
    """A new token (shown once: only its hash is stored) that ends after ``days``."""
    if not user.active:
        raise InvalidInput({"email": "Dit account is niet actief."})
    raw = "hk_" + new_token()
    now = _now()
    db.add(
        ApiToken(
            token_hash=token_hash(raw),
            user_id=user.id,
            name=name,
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
    )
    await security_log.record(
        db, SecurityEventKind.TOKEN_CREATED, user_id=user.id, email=user.email, address=address, detail=name
    )
    await db.flush()
    return raw


@cache
def _token_statement():
    # Built once, like the session's: every API request runs it.
    return (
        select(ApiToken.id.label("token_id"), ApiToken.last_used_at, *_actor_columns())
        .join(ApiToken, ApiToken.user_id == User.id)
        .outerjoin(UserLocation, UserLocation.user_id == User.id)
        .where(
            ApiToken.token_hash == bindparam("token_hash"),
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > bindparam("now", type_=ApiToken.expires_at.type),
            User.active.is_(True),
        )
    )


async def find_token_actor(db: AsyncSession, raw: str) -> Actor | None:
    """The user of an API token that has neither expired nor been revoked, with the user's location ids: one
    indexed query. Notes when the token was used, to within a few minutes, with the request's commit."""
    if not raw or len(raw) > 200:
        return None
    now = _now()
    rows = (await db.execute(_token_statement(), {"token_hash": token_hash(raw), "now": now})).all()
    if not rows:
        return None
    last_used = rows[0].last_used_at
    if last_used is None or last_used < now - TOKEN_USE_PRECISION:
        note_use(db.sync_session, update(ApiToken).where(ApiToken.id == rows[0].token_id).values(last_used_at=now))
    return _actor_from(rows)


@dataclass(frozen=True)
class TokenView:
    id: UUID
    name: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None,
        }


async def list_tokens(db: AsyncSession, user_id: UUID) -> list[TokenView]:
    """The user's tokens that still work, newest first (never the token itself: only its hash is kept)."""
    rows = await db.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > _now())
        .order_by(ApiToken.created_at.desc())
    )
    return [TokenView(t.id, t.name, t.created_at, t.expires_at, t.last_used_at) for t in rows]


async def revoke_token(db: AsyncSession, user_id: UUID, token_id: UUID, *, address: str | None = None) -> None:
    """Revokes one of the user's own tokens at once; another user's token does not exist for them (404)."""
    token = await db.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    )
    if token is None:
        raise NotFound("Deze API-sleutel bestaat niet (meer).")
    token.revoked_at = _now()
    await security_log.record(
        db, SecurityEventKind.TOKEN_REVOKED, user_id=user_id, address=address, detail=token.name or str(token.id)
    )


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
    problem = password_problem(new, email=user.email, name=user.name)
    if problem:
        errors["new_password"] = problem
    elif new != repeat:
        errors["repeat_password"] = "De twee nieuwe wachtwoorden zijn niet gelijk."  # noqa: S105
    if errors:
        raise InvalidInput(errors)
    user.password_hash = await hash_password_off_loop(new)
    await end_all_sessions_and_tokens(db, user.id, keep_session=session_id, why="wachtwoord gewijzigd")


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
    problem = password_problem(new, email=user.email, name=user.name)
    if problem:
        raise InvalidInput({"new_password": problem})
    if new != repeat:
        raise InvalidInput({"repeat_password": "De twee wachtwoorden zijn niet gelijk."})
    invitation.used_at = _now()
    user.password_hash = await hash_password_off_loop(new)
    # Also a password reset: whoever was logged in with the old password is logged out, its tokens revoked.
    await end_all_sessions_and_tokens(db, user.id, why="wachtwoord opnieuw ingesteld")
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
