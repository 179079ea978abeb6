"""HTML pages: the day list (the kinderwerker's start page: one line per child, one form for the whole list that
works without JavaScript and that daglijst.js sends row by row, queued on the phone when there is no connection),
other dates, the paper list for the wall, a concern about a child, and the coordinator's concerns (signalen).

The rules live in ``attendance.marking`` and ``attendance.concerns``; these handlers read the form, call one of
them and render the answer. A tap sent by the script comes back as that child's line (a refused one with its
message: 409/422, marked with ``X-Daglijst-Rij`` so that the script can tell it from a server fault, which it
keeps in its queue and sends again).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from urllib.parse import quote
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from huiskamer.attendance import concerns, marking, pages
from huiskamer.attendance import service as attendance
from huiskamer.attendance.pages import page_context
from huiskamer.attendance.rules import MELDCODE_STEP_NAMES_NL, STATUS_NAMES_NL
from huiskamer.attendance.schemas import (
    MarkChange,
    parse_observation_text,
    parse_resolution,
    parse_step,
    parse_tap,
    parse_times_form,
    read_day,
    read_sheet_action,
)
from huiskamer.attendance.service import ChildOnList, DayList
from huiskamer.auth import service as auth_service
from huiskamer.auth.actor import Actor
from huiskamer.auth.guards import require_coordinator
from huiskamer.errors import Conflict, InvalidInput, NotFound
from huiskamer.locations.schemas import location_uuid
from huiskamer.precedence import URGENT
from huiskamer.site.deps import AppSettings, CurrentActor, DbSession, form_data
from huiskamer.site.forms import typed_values
from huiskamer.site.htmx import wants_fragment
from huiskamer.site.templating import dutch_date, page, short_id, today

T = TypeVar("T")
ROW_HEADER = "X-Daglijst-Rij"
SAID_HEADER = "X-Daglijst-Melding"
BASE = "/locaties/{location_id:str}/daglijst"


def _day_from_path(value: str) -> date:
    """A date in a page's URL; one that is no date names no page (404), like any other unknown address."""
    try:
        return read_day(value, today())
    except InvalidInput:
        raise NotFound("Deze daglijst bestaat niet: de datum in het adres klopt niet.") from None


# --- the day list --------------------------------------------------------------------------------


def day_page(
    request: Request[Any, Any, Any],
    template_name: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
    problems: dict[UUID, dict[str, Any]] | None = None,
    **extra: Any,
) -> Template:
    """A page that shows a day list; today's, answered 200, may be kept on the phone for use offline."""
    listed: DayList | None = context.get("day")
    answer = page(
        request,
        template_name,
        status_code=status_code,
        problems=problems or {},
        nav_current="/daglijst",
        **extra,
        **context,
    )
    return pages.mark_for_offline(answer, request.scope.get("user"), listed, status_code)


def _day_page(request: Request[Any, Any, Any], context: dict[str, Any], **options: Any) -> Template:
    listed: DayList = context["day"]
    return day_page(request, "attendance/day_list.html", context, title=f"Daglijst {listed.location_name}", **options)


@get("/daglijst", name="day_list_today", opt={URGENT: True})
async def day_list_today(
    request: Request[Any, Any, Any],
    actor: CurrentActor,
    db_session: DbSession,
    zoek: FromQuery[str | None] = None,
    toon: FromQuery[str | None] = None,
) -> Template:
    """Today's list of the one location, or a choice when there are several."""
    attendance.require_staff_role(actor)
    context = await pages.today_context(db_session, actor, search=zoek, show=toon)
    if "day" in context:
        return _day_page(request, context)
    return page(request, "attendance/choose.html", title="Daglijst", **context)


@get(BASE, name="day_list_page", opt={URGENT: True})
async def day_list_page(
    request: Request[Any, Any, Any],
    location_id: FromPath[str],
    actor: CurrentActor,
    db_session: DbSession,
    datum: FromQuery[str | None] = None,
    zoek: FromQuery[str | None] = None,
    toon: FromQuery[str | None] = None,
) -> Template | Redirect:
    location = location_uuid(location_id)
    attendance.check_staff(actor, location)
    if datum:  # the date form: to the list of that date, or the message next to the field
        try:
            chosen = read_day(datum, today(), field="datum")
        except InvalidInput as invalid:
            context = await pages.day_page_context(db_session, actor, location, today())
            return _day_page(
                request, {**context, "date_errors": invalid.errors, "date_value": datum[:40]}, status_code=422
            )
        return Redirect(pages.day_url(location, chosen), status_code=303)
    context = await pages.day_page_context(db_session, actor, location, today(), search=zoek, show=toon)
    return _day_page(request, context)


@get(f"{BASE}/{{day:str}}", name="day_list_on", opt={URGENT: True})
async def day_list_on(
    request: Request[Any, Any, Any],
    location_id: FromPath[str],
    day: FromPath[str],
    actor: CurrentActor,
    db_session: DbSession,
    zoek: FromQuery[str | None] = None,
    toon: FromQuery[str | None] = None,
) -> Template:
    location, on = location_uuid(location_id), _day_from_path(day)
    context = await pages.day_page_context(db_session, actor, location, on, search=zoek, show=toon)
    return _day_page(request, context)


@get(f"{BASE}/{{day:str}}/afdrukken", name="day_list_print")
async def day_list_print(
    request: Request[Any, Any, Any],
    location_id: FromPath[str],
    day: FromPath[str],
    actor: CurrentActor,
    db_session: DbSession,
) -> Template:
    location, on = location_uuid(location_id), _day_from_path(day)
    context = await pages.day_page_context(db_session, actor, location, on)
    title = f"Daglijst {context['day'].location_name}"
    return page(request, "attendance/print.html", title=title, nav_current="/daglijst", **context)


# --- a tap, the times, who collected the child ---------------------------------------------------


def _row(
    request: Request[Any, Any, Any],
    location_id: UUID,
    day: date,
    child: ChildOnList,
    *,
    status_code: int = 200,
    said: str | None = None,
    **problem: Any,
) -> Template:
    template = page(
        request,
        "attendance/_row_response.html",
        status_code=status_code,
        location_id=location_id,
        on=day,
        child=child,
        problem=problem.get("problem"),
        errors=problem.get("errors", {}),
        values=problem.get("values", {}),
        opened=problem.get("opened", False),
        confirm=problem.get("confirm", False),
        **page_context(day),
    )
    template.headers[ROW_HEADER] = "1"
    if said:
        template.headers[SAID_HEADER] = quote(said)
    return template


def _refused(refused: InvalidInput | Conflict) -> tuple[int, dict[str, Any]]:
    """The status and what the child's line shows of a refused tap."""
    if isinstance(refused, InvalidInput):
        return 422, {"problem": "Niet opgeslagen: controleer wat u invulde.", "errors": refused.errors, "opened": True}
    confirm = isinstance(refused, marking.PickupNeedsConfirmation)
    return 409, {"problem": refused.message, "opened": confirm, "confirm": confirm}


async def _answer(
    request: Request[Any, Any, Any],
    actor: Actor,
    db_session: DbSession,
    location: UUID,
    on: date,
    placement_id: UUID,
    work: Callable[[], Awaitable[T]],
    done: Callable[[T], tuple[ChildOnList | None, str]],
    *,
    data: dict[str, Any] | None = None,
) -> Template | Redirect | Response[None]:
    """Runs one change of a child's day and answers with the child's line (the script) or the page (a plain
    form), with the message on the line when it was refused."""
    try:
        result = await work()
    except (InvalidInput, Conflict) as refused:
        await db_session.rollback()
        status_code, problem = _refused(refused)
        problem["values"] = typed_values(data or {})
        child = await attendance.child_row(db_session, location, on, placement_id)
        if child is not None and wants_fragment(request):
            return _row(request, location, on, child, status_code=status_code, **problem)
        context = await pages.day_page_context(db_session, actor, location, on)
        if child is None:  # not on this list at all: the message goes to the top of the page
            return _day_page(request, {**context, "notice": problem["problem"]}, status_code=status_code)
        return _day_page(request, context, status_code=status_code, problems={placement_id: problem})
    child, message = done(result)
    if wants_fragment(request):
        if child is None:  # the record is what the phone already shows: nothing to send back but the words
            return _shown(message)
        return _row(request, location, on, child, said=message)
    await auth_service.flash(db_session, actor, message)
    return Redirect(pages.day_url(location, on) + f"#k-{short_id(placement_id)}", status_code=303)


def _shown(said: str) -> Response[None]:
    """The answer to a tap that stands exactly as the phone shows it: no row to render (the tap's hot path)."""
    return Response(
        content=None, status_code=204, headers={ROW_HEADER: "1", SAID_HEADER: quote(said), "Cache-Control": "no-store"}
    )


def _tap_message(result: marking.MarkResult) -> str:
    child = result.child
    if child is None:
        return "Opgeslagen."
    if child.status == "absent_excused":
        said = f"{child.given_name}: afwezig met bericht ({child.mark.label.lower()})."
    else:
        said = f"{child.given_name}: {STATUS_NAMES_NL[child.status]}."
    if not result.applied and not result.repeated:
        said = f"{child.given_name}: er was al een latere tik vastgelegd; die blijft staan."
    if result.concern == "raised":
        said += " Er staat nu een signaal voor de coördinator: vaak afwezig zonder bericht."
    elif result.concern == "withdrawn":
        said += " Het signaal over afwezigheid zonder bericht is vervallen."
    return said


def _times_message(result: marking.MarkResult) -> str:
    child = result.child
    if child is None:
        return "Opgeslagen."
    if result.pickup_warning:
        return f"{child.given_name} is opgehaald door {child.collected_by}. De coördinator heeft een signaal gekregen."
    if child.left_at and child.collected_by:
        return f"{child.given_name} is opgehaald door {child.collected_by}."
    return f"De tijden van {child.given_name} zijn opgeslagen."


PARSERS: dict[str, tuple[Callable[[dict[str, Any], date], MarkChange], Callable[[marking.MarkResult], str]]] = {
    "mark": (parse_tap, _tap_message),
    "times": (parse_times_form, _times_message),
}


async def _sheet(
    request: Request[Any, Any, Any],
    actor: Actor,
    db_session: DbSession,
    settings: AppSettings,
    location_id: str,
    day: date,
) -> Template | Redirect | Response[None]:
    """A button of the day list's form: a tap, the times or who collected a child, through ``marking.mark``."""
    location = location_uuid(location_id)
    attendance.check_staff(actor, location)
    data = await form_data(request)
    try:
        action = read_sheet_action(data)
    except InvalidInput as invalid:
        context = await pages.day_page_context(db_session, actor, location, day)
        return _day_page(request, {**context, "notice": next(iter(invalid.errors.values()))}, status_code=422)
    parse, message = PARSERS[action.kind]

    async def work() -> marking.MarkResult:
        change = parse(action.fields, day)
        now = datetime.now(UTC)
        return await marking.mark(
            db_session, actor, location, day, action.placement_id, change, today=today(), now=now,
            base_url=settings.base_url, answer_row=not wants_fragment(request),
        )  # fmt: skip

    def done(result: marking.MarkResult) -> tuple[ChildOnList | None, str]:
        return result.child, message(result)

    return await _answer(request, actor, db_session, location, day, action.placement_id, work, done, data=action.fields)


@post(f"{BASE}/{{day:str}}", name="day_list_sheet", opt={URGENT: True})
async def sheet(
    request: Request[Any, Any, Any],
    location_id: FromPath[str],
    day: FromPath[str],
    actor: CurrentActor,
    db_session: DbSession,
    settings: AppSettings,
) -> Template | Redirect | Response[None]:
    return await _sheet(request, actor, db_session, settings, location_id, _day_from_path(day))


# --- a concern about a child ---------------------------------------------------------------------


async def _concern_form(
    request: Request[Any, Any, Any],
    actor: Actor,
    db_session: DbSession,
    placement_id: UUID,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
) -> Template:
    location = await attendance.location_of_placement(db_session, actor, placement_id)
    child = await attendance.child_on_list(db_session, actor, location, today(), placement_id)
    return page(
        request,
        "attendance/concern_form.html",
        status_code=status_code,
        title=f"Signaal over {child.short_name}",
        nav_current="/daglijst",
        child=child,
        back=pages.day_url(location) + f"#k-{short_id(placement_id)}",
        action=f"/daglijst/{placement_id}/signaal",
        errors=errors or {},
        values=values or {},
    )


@get("/daglijst/{placement_id:uuid}/signaal", name="day_list_concern_form")
async def concern_form(
    request: Request[Any, Any, Any], placement_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession
) -> Template:
    """A concern about a child on today's list: an observation, or a worry about the child's safety."""
    attendance.require_staff_role(actor)
    return await _concern_form(request, actor, db_session, placement_id)


@post("/daglijst/{placement_id:uuid}/signaal", name="day_list_concern")
async def raise_concern(
    request: Request[Any, Any, Any],
    placement_id: FromPath[UUID],
    actor: CurrentActor,
    db_session: DbSession,
    settings: AppSettings,
) -> Template | Redirect:
    attendance.require_staff_role(actor)
    location = await attendance.location_of_placement(db_session, actor, placement_id)
    data = await form_data(request)
    try:
        kind, text = parse_observation_text(data)
        child = await attendance.child_on_list(db_session, actor, location, today(), placement_id)
        await concerns.raise_observation(
            db_session,
            actor,
            child.referral_id,
            text,
            today=today(),
            now=datetime.now(UTC),
            location_id=location,
            kind=kind,
            base_url=settings.base_url,
        )
    except InvalidInput as invalid:
        await db_session.rollback()
        return await _concern_form(
            request, actor, db_session, placement_id, status_code=422, errors=invalid.errors, values=typed_values(data)
        )
    if kind == "safeguarding":
        said = f"Uw zorg om {child.given_name} is meteen aan de coördinator doorgegeven."
    else:
        said = f"Uw signaal over {child.given_name} is doorgegeven aan de coördinator."
    await auth_service.flash(db_session, actor, said)
    return Redirect(pages.day_url(location) + f"#k-{short_id(placement_id)}", status_code=303)


# --- the coordinator's concerns ------------------------------------------------------------------

STATUS_FILTERS = {"open": "open", "afgehandeld": "resolved", "vervallen": "withdrawn", "alle": None}


async def _concerns_page(
    request: Request[Any, Any, Any],
    actor: Actor,
    db_session: DbSession,
    shown: str,
    *,
    status_code: int = 200,
    failed: tuple[UUID, str] | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    notice: str | None = None,
) -> Template:
    """The concerns; ``failed`` names the concern and the form ("afhandelen", or "stap") that was refused."""
    found = await concerns.list_concerns(db_session, actor, status=STATUS_FILTERS[shown])
    return page(
        request,
        "attendance/concerns.html",
        status_code=status_code,
        title="Signalen",
        concerns=found,
        shown=shown,
        filters=list(STATUS_FILTERS),
        failed=failed,
        errors=errors or {},
        values=values or {},
        notice=notice,
        step_names=MELDCODE_STEP_NAMES_NL,
        today_iso=today().isoformat(),
    )


@get("/signalen", name="concerns_page", guards=[require_coordinator])
async def concerns_page(
    request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession, status: FromQuery[str | None] = None
) -> Template:
    shown = status if status in STATUS_FILTERS else "open"
    return await _concerns_page(request, actor, db_session, shown)


async def _concern_refused(
    request: Request[Any, Any, Any],
    actor: Actor,
    db_session: DbSession,
    refused: InvalidInput | Conflict,
    failed: tuple[UUID, str],
    data: dict[str, Any],
) -> Template:
    await db_session.rollback()
    status_code, problem = _refused(refused)
    return await _concerns_page(
        request,
        actor,
        db_session,
        "open",
        status_code=status_code,
        failed=failed,
        errors=problem.get("errors", {}),
        values=typed_values(data),
        notice=problem["problem"] if isinstance(refused, Conflict) else None,
    )


@post("/signalen/{concern_id:uuid}/afhandelen", name="concern_resolve", guards=[require_coordinator])
async def resolve_concern(
    request: Request[Any, Any, Any], concern_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession
) -> Template | Redirect:
    data = await form_data(request)
    try:
        note = parse_resolution(data)
        concern = await concerns.resolve_concern(db_session, actor, concern_id, note, now=datetime.now(UTC))
    except (InvalidInput, Conflict) as refused:
        return await _concern_refused(request, actor, db_session, refused, (concern_id, "afhandelen"), data)
    when = dutch_date(concern.raised_at, "d MMMM")
    await auth_service.flash(db_session, actor, f"Het signaal van {when} is afgehandeld.")
    return Redirect("/signalen", status_code=303)


@post("/signalen/{concern_id:uuid}/stap", name="concern_step", guards=[require_coordinator])
async def record_step(
    request: Request[Any, Any, Any], concern_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession
) -> Template | Redirect:
    """A step of the Meldcode for a safeguarding concern, dated and with a note."""
    data = await form_data(request)
    try:
        asked = parse_step(data, today())
        step = asked.value
        await concerns.record_step(
            db_session, actor, concern_id, step.step, step.done_on, step.note, today=today(), errors=asked.errors
        )
    except (InvalidInput, Conflict) as refused:
        return await _concern_refused(request, actor, db_session, refused, (concern_id, "stap"), data)
    await auth_service.flash(db_session, actor, f"Stap {step.step} van de Meldcode is vastgelegd.")
    return Redirect(f"/signalen#signaal-{concern_id}", status_code=303)


routes = [
    day_list_today,
    day_list_page,
    day_list_on,
    day_list_print,
    sheet,
    concern_form,
    raise_concern,
    concerns_page,
    resolve_concern,
    record_step,
]
