"""HTML pages for referrals: the referral form, the referrer's portal page, the coordinator's inbox and dossier
with its actions, and the messages between them. The rules live in the service; these handlers only read the
form, call one service method and render the answer."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from huiskamer.audit import privacy
from huiskamer.audit.access import ACTIONS_NL as ACCESS_ACTIONS_NL
from huiskamer.auth import service as auth_service
from huiskamer.auth.actor import Actor
from huiskamer.auth.guards import require_coordinator, require_referrer_or_coordinator
from huiskamer.errors import Conflict, InvalidInput, NotFound
from huiskamer.locations import service as locations_service
from huiskamer.referrals import pages, service
from huiskamer.referrals.rules import CLOSE_REASONS, REJECT_REASONS, status_name
from huiskamer.referrals.schemas import SOURCES, parse_message, parse_move, parse_referral_input
from huiskamer.site.deps import AppSettings, CurrentActor, DbSession, form_data
from huiskamer.site.forms import typed_values
from huiskamer.site.htmx import wants_fragment
from huiskamer.site.templating import page, today

BASE = "/aanmeldingen"
# Each action form on the dossier names its fields after the status it moves to ("rejected.reason_code"),
# so several forms can live on one page with their own ids and messages.
MOVE_FIELDS = ("reason_code", "reason", "explanation", "planned_at")
REASONS = {**CLOSE_REASONS, **REJECT_REASONS}


# --- the referral form ---------------------------------------------------------------------------


def _shown_values(data: dict[str, Any]) -> dict[str, Any]:
    return typed_values(
        data,
        dates=("child.date_of_birth", "intended_start"),
        lists=("preferred_location_ids", "requested_weekdays"),
        ticked=("guardian_informed",),
    )


async def _referral_form(
    request: Request[Any, Any, Any],
    actor: Actor,
    db_session: DbSession,
    *,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Template:
    choices = await pages.form_choices(db_session, actor)
    if "source" not in values:
        values["source"] = choices.default_source or ""
    return page(
        request,
        "referrals/form.html",
        status_code=status_code,
        title="Nieuwe aanmelding",
        choices=choices,
        values=values,
        errors=errors or {},
        notice=notice,
    )


@get(f"{BASE}/nieuw", name="referral_new", guards=[require_referrer_or_coordinator])
async def referral_new(request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession) -> Template:
    return await _referral_form(request, actor, db_session, values={})


@post(f"{BASE}/nieuw", name="referral_submit", guards=[require_referrer_or_coordinator])
async def referral_submit(
    request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession, settings: AppSettings
) -> Template | Redirect:
    data = await form_data(request)
    try:
        referral = await service.submit_referral(db_session, actor, settings, parse_referral_input(data, today=today()))
    except InvalidInput as invalid:
        await db_session.rollback()
        return await _referral_form(
            request, actor, db_session, values=_shown_values(data), errors=invalid.errors, status_code=422
        )
    except Conflict as conflict:
        await db_session.rollback()
        return await _referral_form(
            request, actor, db_session, values=_shown_values(data), notice=conflict.message, status_code=409
        )
    return Redirect(f"{BASE}/{referral.id}/verstuurd", status_code=303)


@get(f"{BASE}/{{referral_id:uuid}}/verstuurd", name="referral_sent", guards=[require_referrer_or_coordinator])
async def referral_sent(
    request: Request[Any, Any, Any], referral_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession
) -> Template:
    sent = await pages.submitted(db_session, actor, referral_id)
    return page(request, "referrals/sent.html", title="Aanmelding verstuurd", sent=sent)


# --- the coordinator's inbox ---------------------------------------------------------------------


def _inbox_query(filters: service.InboxFilters) -> dict[str, str]:
    """The filters as the query string of the inbox (the status is always there: without one the inbox is open)."""
    return {
        "zoek": filters.q or "",
        "status": filters.status or "alle",
        "locatie": str(filters.location_id or ""),
        "bron": filters.source or "",
        "van": filters.date_from.isoformat() if filters.date_from else "",
        "tot": filters.date_to.isoformat() if filters.date_to else "",
    }


def _inbox_link(query: dict[str, str], **changes: Any) -> str:
    """A link to the inbox with these filters changed; a new filter starts at page 1."""
    merged = {**query, **{key: str(value) for key, value in changes.items()}}
    return f"{BASE}?{urlencode({key: value for key, value in merged.items() if value})}"


@get(BASE, name="referral_inbox", guards=[require_referrer_or_coordinator])
async def referral_inbox(
    request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession
) -> Template | Redirect:
    if actor.is_referrer:
        return Redirect("/", status_code=303)  # a referrer's own list is their start page
    raw = {name: request.query_params.get(name) for name in pages.INBOX_QUERY}
    values = {name: value for name, value in raw.items() if isinstance(value, str)}
    filters, errors = pages.read_inbox_filters(raw, actor)
    query = _inbox_query(filters)
    values = {**values, **{key: value for key, value in query.items() if key not in errors}}
    result = await service.list_referrals(db_session, actor, filters)
    locations = await locations_service.list_locations(db_session, actor)
    context = {
        "title": "Aanmeldingen",
        "result": result,
        "rows": pages.inbox_rows(result, today()),
        "filters": filters,
        "values": values,
        "errors": errors,
        "location_choices": [(str(location.id), location.name) for location in locations],
        "source_choices": list(SOURCES.items()),
        "link": lambda **changes: _inbox_link(query, **changes),
        "open_count": sum(result.counts.get(status, 0) for status in service.OPEN_STATUSES),
    }
    template = "referrals/_inbox_table.html" if wants_fragment(request) else "referrals/inbox.html"
    return page(request, template, status_code=422 if errors else 200, **context)


# --- one referral: the referrer's page or the coordinator's dossier ------------------------------


async def _referral_page(
    request: Request[Any, Any, Any],
    actor: Actor,
    db_session: DbSession,
    referral_id: UUID,
    *,
    status_code: int = 200,
    notice: str | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    open_action: str | None = None,
) -> Template:
    shown = typed_values(values or {})
    if actor.is_referrer:
        view = await pages.open_for_referrer(db_session, actor, referral_id)
        return page(
            request,
            "referrals/portal_detail.html",
            status_code=status_code,
            title=f"Aanmelding {view.child}",
            view=view,
            notice=notice,
            errors=errors or {},
            values=shown,
        )
    dossier = await pages.open_dossier(db_session, actor, referral_id, today())
    access = await privacy.access_of_child(db_session, dossier.referral.child_id, size=5)
    return page(
        request,
        "referrals/detail.html",
        status_code=status_code,
        title=f"Aanmelding {dossier.referral.child.full_name}",
        dossier=dossier,
        notice=notice,
        errors=errors or {},
        values=shown,
        open_action=open_action,
        access=access,
        access_actions=ACCESS_ACTIONS_NL,
        role_name=privacy.role_name,
        reasons=REASONS,
        reject_reasons=REJECT_REASONS,
        close_reasons=CLOSE_REASONS,
        sources=SOURCES,
    )


@get(f"{BASE}/{{referral_id:uuid}}", name="referral_page", guards=[require_referrer_or_coordinator])
async def referral_page(
    request: Request[Any, Any, Any], referral_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession
) -> Template:
    return await _referral_page(request, actor, db_session, referral_id)


async def _refused(
    request: Request[Any, Any, Any],
    actor: Actor,
    db_session: DbSession,
    referral_id: UUID,
    problem: InvalidInput | Conflict,
    **context: Any,
) -> Template:
    """The page again with the refusal on it; nothing of the refused step is kept."""
    await db_session.rollback()
    if isinstance(problem, InvalidInput):
        response = await _referral_page(request, actor, db_session, referral_id, status_code=422, **context)
    else:
        response = await _referral_page(
            request, actor, db_session, referral_id, status_code=409, notice=problem.message, **context
        )
    # A boosted form would otherwise put the action's URL in the address bar, which a reload cannot GET.
    response.headers["HX-Push-Url"] = f"{BASE}/{referral_id}"
    return response


@post(f"{BASE}/{{referral_id:uuid}}/berichten", name="referral_message", guards=[require_referrer_or_coordinator])
async def referral_message(
    request: Request[Any, Any, Any],
    referral_id: FromPath[UUID],
    actor: CurrentActor,
    db_session: DbSession,
    settings: AppSettings,
) -> Template | Redirect:
    data = await form_data(request)
    fragment = wants_fragment(request)
    try:
        await service.add_message(db_session, actor, settings, referral_id, parse_message(data))
    except InvalidInput as invalid:
        if not fragment:
            return await _refused(request, actor, db_session, referral_id, invalid, errors=invalid.errors, values=data)
        await db_session.rollback()
        return page(
            request,
            "referrals/_messages.html",
            status_code=422,
            referral_id=referral_id,
            messages=await pages.message_thread(db_session, actor, referral_id),
            errors=invalid.errors,
            values={k: v for k, v in data.items() if isinstance(v, str)},
        )
    if fragment:
        return page(
            request,
            "referrals/_messages.html",
            referral_id=referral_id,
            messages=await pages.message_thread(db_session, actor, referral_id),
            errors={},
            values={},
            sent=True,
        )
    await auth_service.flash(db_session, actor, "Uw bericht is verstuurd.")
    return Redirect(f"{BASE}/{referral_id}#berichten", status_code=303)


@post(f"{BASE}/{{referral_id:uuid}}/intrekken", name="referral_withdraw", guards=[require_referrer_or_coordinator])
async def referral_withdraw(
    request: Request[Any, Any, Any],
    referral_id: FromPath[UUID],
    actor: CurrentActor,
    db_session: DbSession,
    settings: AppSettings,
) -> Template | Redirect:
    try:
        await service.withdraw(db_session, actor, settings, referral_id)
    except Conflict as conflict:
        return await _refused(request, actor, db_session, referral_id, conflict)
    await auth_service.flash(db_session, actor, "De aanmelding is ingetrokken. De coördinator ziet dat meteen.")
    return Redirect(f"{BASE}/{referral_id}", status_code=303)


# --- the coordinator's actions -------------------------------------------------------------------


def _move_input(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    to = data.get("to") if isinstance(data.get("to"), str) else ""
    raw: dict[str, Any] = {"to": to}
    for name in MOVE_FIELDS:
        value = data.get(f"{to}.{name}")
        if value not in (None, ""):
            raw[name] = value
    return to, raw


@post(f"{BASE}/{{referral_id:uuid}}/status", name="referral_move", guards=[require_coordinator])
async def referral_move(
    request: Request[Any, Any, Any],
    referral_id: FromPath[UUID],
    actor: CurrentActor,
    db_session: DbSession,
    settings: AppSettings,
) -> Template | Redirect:
    data = await form_data(request)
    to, raw = _move_input(data)
    try:
        referral = await service.move(db_session, actor, settings, referral_id, parse_move(raw))
    except InvalidInput as invalid:
        errors = {f"{to}.{key}" if key in MOVE_FIELDS else key: message for key, message in invalid.errors.items()}
        return await _refused(
            request, actor, db_session, referral_id, invalid, errors=errors, values=data, open_action=to
        )
    except Conflict as conflict:
        return await _refused(request, actor, db_session, referral_id, conflict)
    await auth_service.flash(db_session, actor, f"De status is nu ‘{status_name(referral.status)}’.")
    return Redirect(f"{BASE}/{referral_id}", status_code=303)


async def _other_referral(request: Request[Any, Any, Any]) -> UUID:
    """The other referral of a duplicate action; an id that is no id is a referral that does not exist."""
    value = (await form_data(request)).get("other_referral_id")
    try:
        return UUID(value) if isinstance(value, str) else UUID(int=0)
    except ValueError:
        raise NotFound("Deze aanmelding bestaat niet, of u heeft er geen toegang toe.") from None


@post(f"{BASE}/{{referral_id:uuid}}/dubbel/koppelen", name="referral_link", guards=[require_coordinator])
async def referral_link(
    request: Request[Any, Any, Any], referral_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession
) -> Template | Redirect:
    other = await _other_referral(request)
    try:
        await service.link_to_child_of(db_session, actor, referral_id, other)
    except Conflict as conflict:
        return await _refused(request, actor, db_session, referral_id, conflict)
    await auth_service.flash(db_session, actor, "De aanmeldingen horen nu bij hetzelfde kind.")
    return Redirect(f"{BASE}/{referral_id}", status_code=303)


@post(f"{BASE}/{{referral_id:uuid}}/dubbel/afwijzen", name="referral_reject_duplicate", guards=[require_coordinator])
async def referral_reject_duplicate(
    request: Request[Any, Any, Any],
    referral_id: FromPath[UUID],
    actor: CurrentActor,
    db_session: DbSession,
    settings: AppSettings,
) -> Template | Redirect:
    other = await _other_referral(request)
    try:
        await service.reject_as_duplicate(db_session, actor, settings, referral_id, other)
    except Conflict as conflict:
        return await _refused(request, actor, db_session, referral_id, conflict)
    await auth_service.flash(
        db_session, actor, "De aanmelding is afgewezen als dubbele aanmelding en gekoppeld aan het kind."
    )
    return Redirect(f"{BASE}/{referral_id}", status_code=303)


@post(f"{BASE}/{{referral_id:uuid}}/dubbel/ander-kind", name="referral_distinct", guards=[require_coordinator])
async def referral_distinct(referral_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession) -> Redirect:
    await service.mark_distinct(db_session, actor, referral_id)
    await auth_service.flash(db_session, actor, "Vastgelegd: dit is een ander kind met dezelfde naam en geboortedatum.")
    return Redirect(f"{BASE}/{referral_id}", status_code=303)


routes = [
    referral_new,
    referral_submit,
    referral_sent,
    referral_inbox,
    referral_page,
    referral_message,
    referral_withdraw,
    referral_move,
    referral_link,
    referral_reject_duplicate,
    referral_distinct,
]
