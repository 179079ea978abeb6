"""HTML pages for the coordinator of a location: the ranked waitlist with "waarom hier?", capacity at a glance,
the policy's proposals with offering and placing, the open offers with the family's answer, and the placements.

The rules live in ``placements.service``, ``placements.ranking`` and ``huiskamer.waitlist``; these handlers read
the form, call one of them and render the answer. A refused step (409) comes back as a notice on its page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from huiskamer.auth import service as auth_service
from huiskamer.auth.actor import Actor
from huiskamer.auth.guards import require_coordinator
from huiskamer.errors import Conflict, InvalidInput
from huiskamer.locations.schemas import location_uuid
from huiskamer.placements import overview, pages, ranking
from huiskamer.placements import service as placements
from huiskamer.placements.models import Offer, Placement
from huiskamer.placements.schemas import parse_decline, parse_end, parse_seat_request
from huiskamer.referrals import search
from huiskamer.referrals import service as referrals
from huiskamer.referrals.rules import CLOSE_REASONS
from huiskamer.site.deps import AppSettings, CurrentActor, DbSession, form_data
from huiskamer.site.forms import typed_values
from huiskamer.site.htmx import wants_fragment
from huiskamer.site.templating import dutch_date, page, today
from huiskamer.validation import WEEKDAYS, as_list, parse_date

BASE = "/locaties/{location_id:str}"


def _url(location_id: UUID, tail: str = "", **query: str) -> str:
    url = f"/locaties/{location_id}/{tail}".rstrip("/")
    shown = {key: value for key, value in query.items() if value}
    return f"{url}?{urlencode(shown)}" if shown else url


async def _child_name(db_session: DbSession, actor: Actor, referral_id: UUID) -> str:
    referral = await referrals.get_referral(db_session, actor, referral_id, log_view=False)
    return referral.child.full_name


def _why_links(location_id: UUID, on: date) -> Callable[[Any], str]:
    """The "waarom hier?" link of each child on a waitlist (``today()`` asked once, not in each row)."""
    datum = _on_query(on)
    return lambda referral_id: _url(location_id, f"wachtlijst/{referral_id}", datum=datum)


def _on_query(on: date) -> str:
    """A date for a link: left out when it is today, so the link keeps showing the current state."""
    return "" if on == today() else on.isoformat()


def _refusal(refused: InvalidInput | Conflict) -> dict[str, Any]:
    """How a refused step comes back on its page: messages next to the fields (422), or a notice (409)."""
    if isinstance(refused, InvalidInput):
        return {"status_code": 422, "errors": refused.errors}
    return {"status_code": 409, "notice": refused.message}


def _form_values(data: dict[str, Any]) -> dict[str, Any]:
    return typed_values(data, dates=("start_date", "respond_by", "end_date"), lists=("weekdays",))


def _location_page(request: Request[Any, Any, Any], template_name: str, *, tab: str, **context: Any) -> Template:
    """A page of one location's tabs. Its address is under /locaties/…, but the main menu marks where the
    coordinator works from: "Capaciteit" for the capacity tab, "Wachtlijst" for the waitlist and its next steps
    (proposals, offers, placements)."""
    nav_current = "/capaciteit" if tab == "capaciteit" else "/wachtlijst"
    return page(request, template_name, tab=tab, nav_current=nav_current, **context)


# --- choosing a location -------------------------------------------------------------------------


async def _chooser(
    request: Request[Any, Any, Any], actor: Actor, db_session: DbSession, aim: str
) -> Template | Redirect:
    summaries = await overview.location_summaries(db_session, actor, today())
    if len(summaries) == 1:
        return Redirect(_url(summaries[0].location.id, aim), status_code=303)
    title = "Wachtlijst" if aim == "wachtlijst" else "Capaciteit"
    return page(request, "placements/choose.html", title=title, summaries=summaries, aim=aim)


@get("/wachtlijst", name="waitlist_choose", guards=[require_coordinator])
async def waitlist_choose(
    request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession
) -> Template | Redirect:
    return await _chooser(request, actor, db_session, "wachtlijst")


@get("/capaciteit", name="capacity_choose", guards=[require_coordinator])
async def capacity_choose(
    request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession
) -> Template | Redirect:
    return await _chooser(request, actor, db_session, "capaciteit")


# --- the waitlist and "waarom hier?" -------------------------------------------------------------


@get(f"{BASE}/wachtlijst", name="waitlist_page", guards=[require_coordinator])
async def waitlist_page(
    request: Request[Any, Any, Any],
    location_id: FromPath[str],
    actor: CurrentActor,
    db_session: DbSession,
    datum: FromQuery[str | None] = None,
    dag: FromQuery[str | None] = None,
    urgentie: FromQuery[str | None] = None,
    zoek: FromQuery[str | None] = None,
) -> Template:
    raw = {"datum": datum, "dag": dag, "urgentie": urgentie, "zoek": zoek}
    filters, errors = pages.read_waitlist_filters(raw, today())
    waitlist = await ranking.load_waitlist(
        db_session, actor, location_uuid(location_id), filters.on, today(), search.parse(filters.q)
    )
    rows = pages.waitlist_rows(waitlist, filters)
    # The list below the filters as the coordinator types in the search field (htmx); the same URL without htmx
    # gives the whole page.
    template = "placements/_waitlist_rows.html" if wants_fragment(request) else "placements/waitlist.html"
    return _location_page(
        request,
        template,
        status_code=422 if errors else 200,
        title=f"Wachtlijst {waitlist.location.name}",
        location=waitlist.location,
        tab="wachtlijst",
        waitlist=waitlist,
        rows=rows,
        not_ranked=pages.not_ranked(waitlist),
        filters=filters,
        values={
            "datum": datum or filters.on.isoformat(),
            "dag": dag or "",
            "urgentie": urgentie or "",
            "zoek": zoek or "",
        },
        errors=errors,
        urgencies=list(pages.URGENCY_NAMES_NL.items()),
        urgency_names=pages.URGENCY_NAMES_NL,
        weekday_names=pages.weekday_names,
        why_link=_why_links(waitlist.location.id, filters.on),
        whole_list=_url(waitlist.location.id, "wachtlijst", datum=_on_query(filters.on)),
    )


@get(f"{BASE}/wachtlijst/{{referral_id:uuid}}", name="waitlist_why", guards=[require_coordinator])
async def waitlist_why(
    request: Request[Any, Any, Any],
    location_id: FromPath[str],
    referral_id: FromPath[UUID],
    actor: CurrentActor,
    db_session: DbSession,
    datum: FromQuery[str | None] = None,
) -> Template:
    filters, errors = pages.read_waitlist_filters({"datum": datum}, today())
    waitlist, why = await ranking.explain_position(
        db_session, actor, location_uuid(location_id), referral_id, filters.on, today()
    )
    waiting = waitlist.children[str(referral_id)]
    above = waitlist.children.get(why.above.candidate_id) if why.above else None
    return _location_page(
        request,
        "placements/why_here.html",
        status_code=422 if errors else 200,
        title=f"Waarom hier? {waiting.child.full_name}",
        location=waitlist.location,
        tab="wachtlijst",
        waitlist=waitlist,
        why=why,
        waiting=waiting,
        row=pages.row_of(waitlist, str(referral_id)),
        above=above,
        above_row=pages.row_of(waitlist, why.above.candidate_id) if why.above else None,
        filters=filters,
        values={"datum": datum or filters.on.isoformat()},
        errors=errors,
        factor_name=pages.factor_name,
        weekday_names=pages.weekday_names,
        days_word=pages.days_word,
        list_link=_url(waitlist.location.id, "wachtlijst", datum=_on_query(filters.on)),
        why_link=_why_links(waitlist.location.id, filters.on),
        total=len(waitlist.entries),
    )


# --- capacity at a glance ------------------------------------------------------------------------


@get(f"{BASE}/capaciteit", name="capacity_page", guards=[require_coordinator])
async def capacity_page(
    request: Request[Any, Any, Any],
    location_id: FromPath[str],
    actor: CurrentActor,
    db_session: DbSession,
    vanaf: FromQuery[str | None] = None,
) -> Template:
    errors: dict[str, str] = {}
    start = today()
    if vanaf:
        parsed = parse_date(vanaf)
        if parsed is None:
            errors["vanaf"] = "Vul een datum in, bijvoorbeeld 7-9-2026."
        else:
            start = parsed
    result = await overview.capacity_overview(db_session, actor, location_uuid(location_id), start, today())
    step = timedelta(weeks=overview.WEEKS_SHOWN)
    return _location_page(
        request,
        "placements/capacity.html",
        status_code=422 if errors else 200,
        title=f"Capaciteit {result.location.name}",
        location=result.location,
        tab="capaciteit",
        overview=result,
        errors=errors,
        values={"vanaf": vanaf if errors else result.first_day.isoformat()},
        earlier=_url(result.location.id, "capaciteit", vanaf=(result.first_day - step).isoformat()),
        later=_url(result.location.id, "capaciteit", vanaf=(result.first_day + step).isoformat()),
        this_week=_url(result.location.id, "capaciteit"),
        today=today(),
    )


# --- proposals, offering and placing -------------------------------------------------------------


def _read_start(value: str | None) -> tuple[date, dict[str, str]]:
    if not value:
        return today(), {}
    parsed = parse_date(value)
    if parsed is None:
        return today(), {"start": "Vul een datum in, bijvoorbeeld 7-9-2026."}
    if parsed < today():
        return today(), {"start": "Kies vandaag of een datum in de toekomst: plaatsen in het verleden kan niet."}
    return parsed, {}


async def _proposals_page(
    request: Request[Any, Any, Any],
    actor: Actor,
    db_session: DbSession,
    location_id: UUID,
    start: date,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    failed: str | None = None,
    values: dict[str, Any] | None = None,
    notice: str | None = None,
) -> Template:
    waitlist, proposed = await ranking.proposals(db_session, actor, location_id, start, today())
    rows = {row.referral_id: row for row in pages.waitlist_rows(waitlist, pages.WaitlistFilters(start))}
    proposals = [(proposal, rows[proposal.candidate_id]) for proposal in proposed if proposal.candidate_id in rows]
    if failed not in {proposal.candidate_id for proposal, _ in proposals}:
        failed = None  # no longer proposed (the seats went meanwhile): the messages go to the top of the page
    return _location_page(
        request,
        "placements/proposals.html",
        status_code=status_code,
        title=f"Voorstellen {waitlist.location.name}",
        location=waitlist.location,
        tab="voorstellen",
        waitlist=waitlist,
        proposals=proposals,
        start=start,
        respond_by=today() + pages.RESPOND_WITHIN,
        capacity=waitlist.location.capacity_by_weekday(),
        free=waitlist.seats.free_seats,
        shown_weekdays=[d for d in WEEKDAYS if d in WEEKDAYS[:5] or waitlist.location.capacity_by_weekday()[d] > 0],
        errors=errors or {},
        failed=failed,
        values=values or {},
        notice=notice,
        weekday_names=pages.weekday_names,
        why_link=_why_links(waitlist.location.id, start),
    )


@get(f"{BASE}/voorstellen", name="proposals_page", guards=[require_coordinator])
async def proposals_page(
    request: Request[Any, Any, Any],
    location_id: FromPath[str],
    actor: CurrentActor,
    db_session: DbSession,
    start: FromQuery[str | None] = None,
) -> Template:
    on, errors = _read_start(start)
    values = {"start": start} if errors else {}
    return await _proposals_page(
        request,
        actor,
        db_session,
        location_uuid(location_id),
        on,
        status_code=422 if errors else 200,
        errors=errors,
        values=values,
    )


async def _take_seat(
    request: Request[Any, Any, Any],
    location_id: str,
    actor: Actor,
    db_session: DbSession,
    settings: AppSettings,
    *,
    offer: bool,
) -> Template | Redirect:
    """Offers the seats (``offer``) or places the child directly; a refusal comes back in that child's form."""
    location = location_uuid(location_id)
    data = await form_data(request)
    raw = {**data, "location_id": str(location), "weekdays": as_list(data.get("weekdays")) or []}
    start, _ = _read_start(data.get("voorstel_start") if isinstance(data.get("voorstel_start"), str) else None)
    failed = data.get("referral_id") if isinstance(data.get("referral_id"), str) else None
    try:
        seat = parse_seat_request(raw, offer=offer)
        if offer:
            made: Offer | Placement = await placements.offer_seat(db_session, actor, settings, seat, today())  # type: ignore[arg-type]
        else:
            made = await placements.place(db_session, actor, settings, seat, today())
    except (InvalidInput, Conflict) as refused:
        await db_session.rollback()
        return await _proposals_page(
            request, actor, db_session, location, start, failed=failed, values=_form_values(data), **_refusal(refused)
        )
    child = await _child_name(db_session, actor, made.referral_id)
    days, when = pages.weekday_names(made.weekdays), dutch_date(made.start_date, "d MMMM y")
    if isinstance(made, Offer):
        until = dutch_date(made.respond_by, "d MMMM y")
        message = f"Plaats aangeboden aan {child}: {days} vanaf {when}. Reageren uiterlijk {until}."
        await auth_service.flash(db_session, actor, message)
        return Redirect(_url(location, "aanbiedingen"), status_code=303)
    await auth_service.flash(db_session, actor, f"{child} is geplaatst: {days} vanaf {when}.")
    return Redirect(_url(location, "plaatsingen"), status_code=303)


@post(f"{BASE}/aanbiedingen", name="offer_seat", guards=[require_coordinator])
async def offer_seat(
    request: Request[Any, Any, Any],
    location_id: FromPath[str],
    actor: CurrentActor,
    db_session: DbSession,
    settings: AppSettings,
) -> Template | Redirect:
    return await _take_seat(request, location_id, actor, db_session, settings, offer=True)


@post(f"{BASE}/plaatsingen", name="place_child", guards=[require_coordinator])
async def place_child(
    request: Request[Any, Any, Any],
    location_id: FromPath[str],
    actor: CurrentActor,
    db_session: DbSession,
    settings: AppSettings,
) -> Template | Redirect:
    return await _take_seat(request, location_id, actor, db_session, settings, offer=False)


# --- offers: the family's answer -----------------------------------------------------------------


async def _offers_page(
    request: Request[Any, Any, Any],
    actor: Actor,
    db_session: DbSession,
    location_id: UUID,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    failed: str | None = None,
    values: dict[str, Any] | None = None,
    notice: str | None = None,
) -> Template:
    offers = await overview.location_offers(db_session, actor, location_id, today())
    if failed not in {str(row.offer.id) for row in offers.open}:
        failed = None  # no longer open: the messages go to the top of the page
    return _location_page(
        request,
        "placements/offers.html",
        status_code=status_code,
        title=f"Aanbiedingen {offers.location.name}",
        location=offers.location,
        tab="aanbiedingen",
        offers=offers,
        errors=errors or {},
        failed=failed,
        values=values or {},
        notice=notice,
        weekday_names=pages.weekday_names,
        today=today(),
    )


@get(f"{BASE}/aanbiedingen", name="offers_page", guards=[require_coordinator])
async def offers_page(
    request: Request[Any, Any, Any], location_id: FromPath[str], actor: CurrentActor, db_session: DbSession
) -> Template:
    return await _offers_page(request, actor, db_session, location_uuid(location_id))


@post(f"{BASE}/aanbiedingen/{{offer_id:uuid}}/geaccepteerd", name="offer_accepted", guards=[require_coordinator])
async def offer_accepted(
    request: Request[Any, Any, Any],
    location_id: FromPath[str],
    offer_id: FromPath[UUID],
    actor: CurrentActor,
    db_session: DbSession,
    settings: AppSettings,
) -> Template | Redirect:
    location = location_uuid(location_id)
    try:
        placement = await placements.accept_offer(db_session, actor, settings, offer_id, today())
    except Conflict as refused:
        await db_session.rollback()
        return await _offers_page(request, actor, db_session, location, failed=str(offer_id), **_refusal(refused))
    child = await _child_name(db_session, actor, placement.referral_id)
    when = dutch_date(placement.start_date, "d MMMM y")
    await auth_service.flash(
        db_session, actor, f"{child} is geplaatst: {pages.weekday_names(placement.weekdays)} vanaf {when}."
    )
    return Redirect(_url(placement.location_id, "plaatsingen"), status_code=303)


@post(f"{BASE}/aanbiedingen/{{offer_id:uuid}}/afgeslagen", name="offer_declined", guards=[require_coordinator])
async def offer_declined(
    request: Request[Any, Any, Any],
    location_id: FromPath[str],
    offer_id: FromPath[UUID],
    actor: CurrentActor,
    db_session: DbSession,
    settings: AppSettings,
) -> Template | Redirect:
    location = location_uuid(location_id)
    data = await form_data(request)
    try:
        offer = await placements.decline_offer(db_session, actor, settings, offer_id, parse_decline(data), today())
    except (InvalidInput, Conflict) as refused:
        await db_session.rollback()
        return await _offers_page(
            request, actor, db_session, location, failed=str(offer_id), values=_form_values(data), **_refusal(refused)
        )
    child = await _child_name(db_session, actor, offer.referral_id)
    message = f"Het aanbod is afgeslagen. {child} staat weer op de wachtlijst, met de oorspronkelijke wachttijd."
    await auth_service.flash(db_session, actor, message)
    return Redirect(_url(offer.location_id, "aanbiedingen"), status_code=303)


@post(f"{BASE}/aanbiedingen/{{offer_id:uuid}}/intrekken", name="offer_withdrawn", guards=[require_coordinator])
async def offer_withdrawn(
    request: Request[Any, Any, Any],
    location_id: FromPath[str],
    offer_id: FromPath[UUID],
    actor: CurrentActor,
    db_session: DbSession,
    settings: AppSettings,
) -> Template | Redirect:
    location = location_uuid(location_id)
    data = await form_data(request)
    try:
        offer = await placements.withdraw_offer(db_session, actor, settings, offer_id, parse_decline(data), today())
    except (InvalidInput, Conflict) as refused:
        await db_session.rollback()
        return await _offers_page(
            request, actor, db_session, location, failed=str(offer_id), values=_form_values(data), **_refusal(refused)
        )
    child = await _child_name(db_session, actor, offer.referral_id)
    message = (
        f"Het aanbod is ingetrokken en de plaatsen zijn weer vrij. {child} staat weer op de wachtlijst, "
        "met de oorspronkelijke wachttijd."
    )
    await auth_service.flash(db_session, actor, message)
    return Redirect(_url(offer.location_id, "aanbiedingen"), status_code=303)


# --- placements ----------------------------------------------------------------------------------


async def _placements_page(
    request: Request[Any, Any, Any],
    actor: Actor,
    db_session: DbSession,
    location_id: UUID,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    failed: str | None = None,
    values: dict[str, Any] | None = None,
    notice: str | None = None,
    typed: str | None = None,
) -> Template:
    q, too_long = search.read_query(typed)
    result = await overview.location_placements(db_session, actor, location_id, today(), search.parse(q))
    if failed not in {str(row.placement.id) for row in result.current if row.placement.end_date is None}:
        failed = None  # ended meanwhile: the messages go to the top of the page
    # The lists below the search as the coordinator types (htmx); the same URL without htmx gives the whole page.
    template = "placements/_placement_rows.html" if wants_fragment(request) else "placements/placements.html"
    return _location_page(
        request,
        template,
        status_code=422 if too_long else status_code,
        q=q,
        search_errors={"zoek": too_long} if too_long else {},
        search_value=typed or "",
        title=f"Plaatsingen {result.location.name}",
        location=result.location,
        tab="plaatsingen",
        placements=result,
        capacity=result.location.capacity_by_weekday(),
        close_reasons=list(CLOSE_REASONS.items()),
        close_reason_names=CLOSE_REASONS,
        errors=errors or {},
        failed=failed,
        values=values or {},
        notice=notice,
        weekday_names=pages.weekday_names,
        today=today(),
    )


@get(f"{BASE}/plaatsingen", name="placements_page", guards=[require_coordinator])
async def placements_page(
    request: Request[Any, Any, Any],
    location_id: FromPath[str],
    actor: CurrentActor,
    db_session: DbSession,
    zoek: FromQuery[str | None] = None,
) -> Template:
    return await _placements_page(request, actor, db_session, location_uuid(location_id), typed=zoek)


@post(f"{BASE}/plaatsingen/{{placement_id:uuid}}/beeindigen", name="placement_end", guards=[require_coordinator])
async def placement_end(
    request: Request[Any, Any, Any],
    location_id: FromPath[str],
    placement_id: FromPath[UUID],
    actor: CurrentActor,
    db_session: DbSession,
    settings: AppSettings,
) -> Template | Redirect:
    location = location_uuid(location_id)
    data = await form_data(request)
    try:
        ending = parse_end(data)
        end_date, code, reason, explanation = ending.value
        placement = await placements.end_placement(
            db_session,
            actor,
            settings,
            placement_id,
            end_date,
            code,
            reason,
            explanation=explanation,
            errors=ending.errors,
        )
    except (InvalidInput, Conflict) as refused:
        await db_session.rollback()
        return await _placements_page(
            request,
            actor,
            db_session,
            location,
            failed=str(placement_id),
            values=_form_values(data),
            **_refusal(refused),
        )
    child = await _child_name(db_session, actor, placement.referral_id)
    when = dutch_date(placement.end_date, "d MMMM y")
    await auth_service.flash(
        db_session,
        actor,
        f"De plaatsing van {child} is beëindigd per {when}; de aanmelding is afgesloten."
        if placement.end_date < today()
        else f"De plaatsing van {child} eindigt op {when}; de aanmelding wordt de dag erna vanzelf afgesloten.",
    )
    return Redirect(_url(placement.location_id, "plaatsingen"), status_code=303)


routes = [
    waitlist_choose,
    capacity_choose,
    waitlist_page,
    waitlist_why,
    capacity_page,
    proposals_page,
    offer_seat,
    place_child,
    offers_page,
    offer_accepted,
    offer_declined,
    offer_withdrawn,
    placements_page,
    placement_end,
]
