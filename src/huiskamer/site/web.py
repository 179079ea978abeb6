"""The frame: start page per role, public information, health, log-in and log-out, password and invitation."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Response, Template
from sqlalchemy import text

from huiskamer.attendance import concerns as concerns_service
from huiskamer.attendance import pages as attendance_pages
from huiskamer.auth import kept_forms
from huiskamer.auth import service as auth_service
from huiskamer.auth.guards import PUBLIC
from huiskamer.auth.secrets import password_problem
from huiskamer.errors import InvalidInput, NotFound
from huiskamer.intake import agenda as intake_agenda
from huiskamer.locations import service as locations_service
from huiskamer.progress import service as progress_service
from huiskamer.referrals import pages as referral_pages
from huiskamer.referrals import search
from huiskamer.referrals import service as referral_service
from huiskamer.site.deps import AppSettings, CurrentActor, DbSession, client_address, form_data
from huiskamer.site.htmx import wants_fragment
from huiskamer.site.login import after_password, back_to_the_form, kept_form_id, safe_next, session_cookie_header
from huiskamer.site.templating import page, today


@get("/", name="home")
async def home(
    request: Request[Any, Any, Any],
    actor: CurrentActor,
    db_session: DbSession,
    status: FromQuery[str | None] = None,
    pagina: FromQuery[str | None] = None,
    zoek: FromQuery[str | None] = None,
    toon: FromQuery[str | None] = None,
) -> Template:
    context: dict[str, Any] = {"locations": [], "organisation": None}
    if actor.is_youth_worker:
        # Straight to today's day list: of their one location, or a choice between their locations.
        context.update(await attendance_pages.today_context(db_session, actor, search=zoek, show=toon))
        answer = page(request, "home/youth_worker.html", title="Daglijst", problems={}, **context)
        return attendance_pages.mark_for_offline(answer, actor, context.get("day"), 200)
    if actor.is_referrer:
        q, too_long = search.read_query(zoek)
        context["errors"] = {"zoek": too_long} if too_long else {}
        context["values"] = {"zoek": zoek or ""}
        context["portal"] = await referral_pages.referrer_portal(
            db_session, actor, status, referral_pages.read_page(pagina), q
        )
        if wants_fragment(request):  # the list as the referrer types in its search field
            return page(request, "home/_referrer_list.html", status_code=422 if too_long else 200, **context)
        context["organisation"] = await auth_service.organisation_of(db_session, actor)
    else:
        context["locations"] = await locations_service.list_locations(db_session, actor)
    if actor.is_coordinator:
        # The oldest referrals nobody has taken on yet, and how many there are in each open status.
        context["inbox"] = await referral_service.list_referrals(
            db_session, actor, referral_service.InboxFilters(status="submitted", page_size=5)
        )
        context["concerns"] = await concerns_service.list_concerns(db_session, actor, status="open", page_size=5)
        context["evaluations"] = await progress_service.due_soon(db_session, actor, today())
        context["unread_messages"] = await referral_service.unread_messages(db_session, actor)
        context["intakes_this_week"] = await intake_agenda.planned_intakes(
            db_session, actor, today(), until=intake_agenda.week_end(today())
        )
    status_code = 422 if context.get("errors") else 200
    return page(request, f"home/{actor.role.value}.html", title="Start", status_code=status_code, **context)


@get("/over", name="info", opt=PUBLIC)
async def info(request: Request[Any, Any, Any]) -> Template:
    return page(request, "info.html", title="Over Huiskamer")


@get("/health", name="health", opt=PUBLIC, skip_session=True)
async def health(db_session: DbSession) -> Response[dict[str, str]]:
    try:
        await db_session.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database means unhealthy
        return Response({"status": "fout", "database": "onbereikbaar"}, status_code=503)
    return Response({"status": "ok", "database": "ok"})


@get("/inloggen", name="login", opt=PUBLIC)
async def login_form(
    request: Request[Any, Any, Any], volgende: FromQuery[str | None] = None, formulier: FromQuery[str | None] = None
) -> Template | Redirect:
    kept_form = kept_form_id(formulier)
    if request.scope.get("user") is not None:
        # Logged in meanwhile (another tab): straight back to the form, with what was typed.
        return Redirect(back_to_the_form(safe_next(volgende), kept_form), status_code=303)
    return page(
        request,
        "auth/login.html",
        title="Inloggen",
        values={},
        next=safe_next(volgende),
        kept_form=kept_form,
    )


@post("/inloggen", name="login_submit", opt=PUBLIC)
async def login_submit(
    request: Request[Any, Any, Any], db_session: DbSession, settings: AppSettings
) -> Template | Redirect:
    data = await form_data(request)
    email = data.get("email") if isinstance(data.get("email"), str) else ""
    password = data.get("password") if isinstance(data.get("password"), str) else ""
    target = safe_next(data.get("next") if isinstance(data.get("next"), str) else None)
    kept_form = kept_form_id(data.get("formulier"))
    ip = client_address(request)
    try:
        user = await auth_service.authenticate(db_session, settings, email, password, ip)
    except auth_service.LoginFailed as failed:
        return page(
            request,
            "auth/login.html",
            status_code=400,
            title="Inloggen",
            values={"email": email[:254]},
            next=target,
            kept_form=kept_form,
            login_error=failed.message,
        )
    return await after_password(db_session, settings, user, target, kept_form)


@get("/formulier/{form_id:uuid}", name="kept_form")
async def kept_form(form_id: UUID, actor: CurrentActor, db_session: DbSession) -> Response[dict[str, Any]]:
    """What was typed in a form sent after the session ended, once, for the user who typed it (else 404)."""
    found = await kept_forms.take(db_session, actor.id, form_id)
    if found is None:
        raise NotFound("Dit formulier is niet (meer) bewaard.")
    return Response({"action": found.action, "fields": found.fields}, headers={"Cache-Control": "no-store"})


@post("/uitloggen", name="logout", opt=PUBLIC)
async def logout(request: Request[Any, Any, Any], db_session: DbSession, settings: AppSettings) -> Redirect:
    """Ends this browser's session: a full one, or one still waiting for its second step ("Stoppen en uitloggen")."""
    actor = request.scope.get("user") or request.scope.get("second_step")
    if actor is not None and actor.session_id is not None:
        await auth_service.end_session(db_session, actor.session_id)
    response = Redirect("/inloggen?uitgelogd=1", status_code=303)
    response.headers["Set-Cookie"] = session_cookie_header(settings, "", 0)
    # Whatever this browser kept for offline use (day lists, taps not sent, the service worker) goes with the
    # session: a shared phone shows the next person nothing of this one.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@post("/sessie/verlengen", name="session_stay", status_code=204)
async def session_stay(actor: CurrentActor, db_session: DbSession) -> None:
    """ "Ingelogd blijven": the idle time starts again now (the page's warning, app.js)."""
    if actor.session_id is not None:
        await auth_service.touch_session(db_session, actor.session_id)


@get("/account/wachtwoord", name="password_form")
async def password_form(request: Request[Any, Any, Any]) -> Template:
    return page(request, "auth/password.html", title="Wachtwoord wijzigen", errors={})


@post("/account/wachtwoord", name="password_submit")
async def password_submit(
    request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession
) -> Template | Redirect:
    data = await form_data(request)

    def field(name: str) -> str:
        value = data.get(name)
        return value if isinstance(value, str) else ""

    try:
        await auth_service.change_password(
            db_session,
            actor.id,
            actor.session_id,
            field("current_password"),
            field("new_password"),
            field("repeat_password"),
        )
    except InvalidInput as invalid:
        return page(request, "auth/password.html", status_code=422, title="Wachtwoord wijzigen", errors=invalid.errors)
    await auth_service.flash(db_session, actor, "Uw wachtwoord is gewijzigd.")
    return Redirect("/", status_code=303)


@post("/wachtwoord/controle", name="password_check", opt=PUBLIC)
async def password_check(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    """The hint under a new password as it is typed (htmx, no script of our own): the very rules the form applies
    when it is sent, with the e-mail and name of the logged-in user or of the invitation's user."""
    data = await form_data(request)
    password = data.get("new_password") if isinstance(data.get("new_password"), str) else ""
    email = name = ""
    actor = request.scope.get("user")
    invitation = data.get("uitnodiging")
    if actor is not None:
        email, name = actor.email, actor.name
    elif isinstance(invitation, str) and (found := await auth_service.find_invitation(db_session, invitation)):
        email, name = found[1].email, found[1].name
    problem = password_problem(password, email=email, name=name) if password else None
    return page(request, "auth/_password_hint.html", password=password, problem=problem)


@get("/uitnodiging/{token:str}", name="invitation", opt=PUBLIC)
async def invitation_form(request: Request[Any, Any, Any], token: FromPath[str], db_session: DbSession) -> Template:
    found = await auth_service.find_invitation(db_session, token)
    if found is None:
        raise NotFound("Deze uitnodiging is verlopen of al gebruikt. Vraag de beheerder om een nieuwe link.")
    return page(request, "auth/invitation.html", title="Wachtwoord instellen", user=found[1], token=token, errors={})


@post("/uitnodiging/{token:str}", name="invitation_submit", opt=PUBLIC)
async def invitation_submit(
    request: Request[Any, Any, Any], token: FromPath[str], db_session: DbSession, settings: AppSettings
) -> Template | Redirect:
    data = await form_data(request)
    new = data.get("new_password") if isinstance(data.get("new_password"), str) else ""
    repeat = data.get("repeat_password") if isinstance(data.get("repeat_password"), str) else ""
    try:
        user = await auth_service.accept_invitation(db_session, token, new, repeat)
    except InvalidInput as invalid:
        found = await auth_service.find_invitation(db_session, token)
        return page(
            request,
            "auth/invitation.html",
            status_code=422,
            title="Wachtwoord instellen",
            user=found[1] if found else None,
            token=token,
            errors=invalid.errors,
        )
    return await after_password(db_session, settings, user)


routes = [
    kept_form,
    session_stay,
    password_check,
    home,
    info,
    health,
    login_form,
    login_submit,
    logout,
    password_form,
    password_submit,
    invitation_form,
    invitation_submit,
]
