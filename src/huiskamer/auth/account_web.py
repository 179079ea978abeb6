"""One's own account: who you are in the app, whether changes in your referrals are also e-mailed, and your API keys."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.response import Redirect, Template

from huiskamer.auth import service as auth_service
from huiskamer.auth.actor import Actor
from huiskamer.errors import InvalidInput
from huiskamer.site.deps import CurrentActor, DbSession, client_address, form_data
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


# --- API keys ------------------------------------------------------------------------------------

TOKEN_LABELS = {"name": "Naam", "expires_days": "Geldig (dagen)"}


async def _tokens_page(
    request: Request[Any, Any, Any],
    actor: Actor,
    db_session: DbSession,
    *,
    new_token: str | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    return page(
        request,
        "auth/tokens.html",
        status_code=status_code,
        title="API-sleutels",
        nav_current="/account",
        tokens=await auth_service.list_tokens(db_session, actor.id),
        new_token=new_token,
        values=values or {"expires_days": str(auth_service.TOKEN_DEFAULT_DAYS)},
        errors=errors or {},
        labels=TOKEN_LABELS,
        max_days=auth_service.TOKEN_MAX_DAYS,
    )


@get("/account/api-sleutels", name="account_tokens")
async def tokens(request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession) -> Template:
    return await _tokens_page(request, actor, db_session)


@post("/account/api-sleutels", name="account_token_create")
async def token_create(request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession) -> Template:
    data = await form_data(request)
    values = {name: data.get(name) if isinstance(data.get(name), str) else "" for name in TOKEN_LABELS}
    try:
        name, days = auth_service.parse_token_input(values["name"], values["expires_days"])
    except InvalidInput as error:
        return await _tokens_page(request, actor, db_session, values=values, errors=error.errors, status_code=422)
    user = await auth_service.account_of(db_session, actor)
    raw = await auth_service.create_api_token(db_session, user, name=name, days=days, address=client_address(request))
    # Shown once, on this answer only: only its hash is kept. Not cached anywhere (no-store below).
    response = await _tokens_page(request, actor, db_session, new_token=raw, status_code=201)
    response.headers["Cache-Control"] = "no-store"
    return response


@post("/account/api-sleutels/{token_id:uuid}/intrekken", name="account_token_revoke")
async def token_revoke(
    request: Request[Any, Any, Any], token_id: UUID, actor: CurrentActor, db_session: DbSession
) -> Redirect:
    await auth_service.revoke_token(db_session, actor.id, token_id, address=client_address(request))
    await auth_service.flash(db_session, actor, "De API-sleutel is ingetrokken: wie hem gebruikt, komt niet meer in.")
    return Redirect("/account/api-sleutels", status_code=303)


routes = [account, account_submit, tokens, token_create, token_revoke]
