"""One's own account: who you are in the app, and whether changes in your referrals are also e-mailed."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from huiskamer.auth import service as auth_service
from huiskamer.auth.actor import Actor
from huiskamer.site.deps import CurrentActor, DbSession, form_data
from huiskamer.site.templating import page
from huiskamer.validation import FieldErrors, read_bool


async def _account_page(
    request: Request[Any, Any, Any],
    actor: Actor,
    db_session: DbSession,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    return page(
        request,
        "auth/account.html",
        status_code=status_code,
        title="Mijn account",
        user=await auth_service.account_of(db_session, actor),
        organisation=await auth_service.organisation_of(db_session, actor),
        may_get_referral_email=auth_service.may_get_referral_email(actor),
        errors=errors or {},
    )


@get("/account", name="account")
async def account(request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession) -> Template:
    return await _account_page(request, actor, db_session)


@post("/account", name="account_submit")
async def account_submit(
    request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession
) -> Template | Redirect:
    errors = FieldErrors()
    # An unticked checkbox sends nothing: that is "no e-mail".
    wanted = read_bool(await form_data(request), "email_notifications", errors, label="e-mail bij een wijziging")
    if errors:
        return await _account_page(request, actor, db_session, errors=errors.errors, status_code=422)
    await auth_service.set_email_notifications(db_session, actor, wanted)
    message = (
        "U krijgt voortaan een e-mail bij een wijziging in uw aanmeldingen."
        if wanted
        else "U krijgt geen e-mail meer bij een wijziging in uw aanmeldingen."
    )
    await auth_service.flash(db_session, actor, message)
    return Redirect("/account", status_code=303)


routes = [account, account_submit]
