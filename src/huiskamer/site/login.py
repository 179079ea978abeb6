"""After the password: the session cookie, where to land, and the second step when one is needed. Shared by the
log-in form, the invitation and the second step's pages (``auth.second_factor_web``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit
from uuid import UUID

from litestar.datastructures import Cookie
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.auth import second_factor
from huiskamer.auth import service as auth_service
from huiskamer.auth.middleware import CSRF_COOKIE, SESSION_COOKIE
from huiskamer.auth.models import User
from huiskamer.config import Settings

SECOND_STEP_PATH = "/inloggen/tweede-stap"
SET_UP_PATH = "/inloggen/tweede-factor-instellen"


def safe_next(target: str | None) -> str:
    """Only a local path: never an open redirect to another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or parts.path.startswith("/inloggen"):
        return "/"  # never back to a log-in step: that is where the person came from
    return target[:500]


def session_cookie_header(settings: Settings, value: str, max_age: int) -> str:
    secure = "; Secure" if settings.secure_cookies else ""
    name = settings.cookie_name(SESSION_COOKIE)
    return f"{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"


def logged_in(response: Redirect, settings: Settings, raw: str) -> Redirect:
    """The new session's cookie, and the CSRF cookie dropped: the next page gets a fresh token, so that none from
    before the log-in (planted, or of the person before on this browser) is valid after it (ASVS 3.5.1)."""
    response.headers["Set-Cookie"] = session_cookie_header(settings, raw, settings.session_max_age_seconds)
    csrf = settings.cookie_name(CSRF_COOKIE)
    response.cookies.append(
        Cookie(key=csrf, value="", max_age=0, path="/", secure=settings.secure_cookies, httponly=True)
    )
    return response


def kept_form_id(raw: Any) -> str:
    """The id of a form kept while the session had ended (``auth.kept_forms``), or "" for anything else."""
    try:
        return str(UUID(raw)) if isinstance(raw, str) else ""
    except ValueError:
        return ""


def back_to_the_form(target: str, kept_form: str) -> str:
    """The page to land on after a log-in; with a kept form, its page's script fetches what was typed there (named in
    the fragment, which no server ever sees)."""
    return target + (f"#formulier={kept_form}" if kept_form else "")


def with_where_to(path: str, target: str, kept_form: str) -> str:
    """A log-in step's address that carries where the person was going and the form kept for them."""
    query = {"volgende": target, **({"formulier": kept_form} if kept_form else {})}
    return f"{path}?{urlencode(query)}"


async def after_password(
    db: AsyncSession, settings: Settings, user: User, target: str = "/", kept_form: str = ""
) -> Redirect:
    """The user gave the right password: a full session, or one waiting for the second step (or its set-up)."""
    need = await second_factor.need_after_password(db, settings, user)
    raw = await auth_service.start_session(db, settings, user, pending=need is not second_factor.Need.NONE)
    await db.flush()
    if need is second_factor.Need.NONE:
        url = back_to_the_form(target, kept_form)
    else:
        step = SECOND_STEP_PATH if need is second_factor.Need.VERIFY else SET_UP_PATH
        url = with_where_to(step, target, kept_form)
    return logged_in(Redirect(url, status_code=303), settings, raw)
