"""HTML pages: the day list (the kinderwerker's start page: one tap per child, updated in place by htmx and
working as plain forms without JavaScript), other dates, the paper list for the wall, and the coordinator's
concerns (signalen).

The rules live in ``attendance.service`` and ``attendance.concerns``; these handlers read the form, call one of
them and render the answer. A tap sent by htmx comes back as that child's row (and the counts, out of band); a
refused tap comes back as the row with the message on it (409/422), marked with ``X-Daglijst-Rij`` so that the
script can tell it from a server fault, which it shows on the row with a retry instead.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from uuid import UUID

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from huiskamer.attendance import concerns, pages
from huiskamer.attendance import service as attendance
from huiskamer.attendance.pages import page_context
from huiskamer.attendance.rules import STATUS_NAMES_NL
from huiskamer.attendance.schemas import (
    MarkChange,
    parse_observation_text,
    parse_resolution,
    parse_tap,
    parse_times_form,
    read_day,
)
from huiskamer.attendance.service import ChildOnList, DayList
from huiskamer.auth import service as auth_service
from huiskamer.auth.actor import Actor
from huiskamer.auth.guards import require_coordinator
from huiskamer.errors import Conflict, InvalidInput, NotFound
from huiskamer.locations.schemas import location_uuid
from huiskamer.site.deps import CurrentActor, DbSession, form_data
from huiskamer.site.forms import typed_values
from huiskamer.site.htmx import wants_fragment
from huiskamer.site.templating import dutch_date, page, today

T = TypeVar("T")
ROW_HEADER = "X-Daglijst-Rij"
BASE = "/locaties/{location_id:str}/daglijst"


def _day_from_path(value: str) -> date:
    """A date in a page's URL; one that is no date names no page (404), like any other unknown address."""
    try:
        return read_day(value, today())
    except InvalidInput:
        raise NotFound("Deze daglijst bestaat niet: de datum in het adres klopt niet.") from None


# --- the day list --------------------------------------------------------------------------------


def _day_page(
    request: Request[Any, Any, Any],
    context: dict[str, Any],
    *,
    status_code: int = 200,
    problems: dict[UUID, dict[str, Any]] | None = None,
) -> Template:
    listed: DayList = context["day"]
    return page(
        request,
        "attendance/day_list.html",
        status_code=status_code,
        title=f"Daglijst {listed.location_name}",
        problems=problems or {},
        nav_current="/daglijst",
        **context,
    )


@get("/daglijst", name="day_list_today")
async def day_list_today(request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession) -> Template:
    """Today's list of the one location, or a choice when there are several."""
    attendance.require_staff_role(actor)
    context = await pages.today_context(db_session, actor)
    if "day" in context:
        return _day_page(request, context)
    return page(request, "attendance/choose.html", title="Daglijst", **context)


@get(BASE, name="day_list_page")
async def day_list_page(
    request: Request[Any, Any, Any],
    location_id: FromPath[str],
    actor: CurrentActor,
    db_session: DbSession,
    datum: FromQuery[str | None] = None,
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
    return _day_page(request, await pages.day_page_context(db_session, actor, location, today()))


@get(f"{BASE}/{{day:str}}", name="day_list_on")
async def day_list_on(
    request: Request[Any, Any, Any],
    location_id: FromPath[str],
    day: FromPath[str],
    actor: CurrentActor,
    db_session: DbSession,
) -> Template:
    location, on = location_uuid(location_id), _day_from_path(day)
    return _day_page(request, await pages.day_page_context(db_session, actor, location, on))


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


# --- a tap, the times, an observation ------------------------------------------------------------


def _row(
    request: Request[Any, Any, Any],
    location_id: UUID,
    day: date,
    child: ChildOnList,
    *,
    status_code: int = 200,
    counts: dict[str, int] | None = None,
    problem: str | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    open_form: str | None = None,
    announce: str | None = None,
    notice: str | None = None,
) -> Template:
    template = page(
        request,
        "attendance/_row_response.html",
        status_code=status_code,
        location_id=location_id,
        on=day,
        child=child,
        counts=counts,
        problem=problem,
        errors=errors or {},
        values=values or {},
        open_form=open_form,
        announce=announce,
        notice=notice,
        **page_context(day),
    )
    template.headers[ROW_HEADER] = "1"
    return template


def _refused(refused: InvalidInput | Conflict) -> tuple[int, str | None, dict[str, str]]:
    if isinstance(refused, InvalidInput):
        return 422, "Niet opgeslagen: controleer wat u invulde.", refused.errors
    return 409, refused.message, {}


async def _answer(
    request: Request[Any, Any, Any],
    actor: Actor,
    db_session: DbSession,
    location: UUID,
    on: date,
    placement_id: UUID,
    work: Callable[[], Awaitable[T]],
    done: Callable[[T], tuple[ChildOnList, dict[str, int] | None, str]],
    *,
    form: str | None = None,
    data: dict[str, Any] | None = None,
    said_on_row: bool = False,
) -> Template | Redirect:
    """Runs one change of a child's day and answers with the row (htmx) or the page (a plain form)."""
    try:
        result = await work()
    except (InvalidInput, Conflict) as refused:
        await db_session.rollback()
        status_code, problem, errors = _refused(refused)
        values = typed_values(data or {})
        try:
            child = await attendance.child_on_list(db_session, actor, location, on, placement_id)
        except Conflict:  # not on this list at all: the message goes to the top of the page
            child = None
        if child is not None and wants_fragment(request):
            return _row(
                request,
                location,
                on,
                child,
                status_code=status_code,
                problem=problem,
                errors=errors,
                values=values,
                open_form=form if errors else None,
            )
        context = await pages.day_page_context(db_session, actor, location, on)
        if child is None:
            return _day_page(request, {**context, "notice": problem}, status_code=status_code)
        problems = {
            placement_id: {
                "problem": problem,
                "errors": errors,
                "values": values,
                "open_form": form if errors else None,
            }
        }
        return _day_page(request, context, status_code=status_code, problems=problems)
    child, counts, message = done(result)
    if wants_fragment(request):
        notice = message if said_on_row else None
        return _row(request, location, on, child, counts=counts, announce=message, notice=notice)
    await auth_service.flash(db_session, actor, message)
    return Redirect(pages.day_url(location, on) + f"#kind-{placement_id}", status_code=303)


def _tap_message(result: attendance.MarkResult) -> str:
    child = result.child
    if child.status == "absent_excused":
        said = f"{child.given_name}: afwezig met bericht ({child.mark.label.lower()})."
    else:
        said = f"{child.given_name}: {STATUS_NAMES_NL[child.status]}."
    if result.concern == "raised":
        said += " Er staat nu een signaal voor de coördinator: vaak afwezig zonder bericht."
    elif result.concern == "withdrawn":
        said += " Het signaal over afwezigheid zonder bericht is vervallen."
    return said


def _times_message(result: attendance.MarkResult) -> str:
    child = result.child
    if child.left_at and child.collected_by:
        return f"{child.given_name} is opgehaald door {child.collected_by}."
    return f"De tijden van {child.given_name} zijn opgeslagen."


async def _mark_from_form(
    request: Request[Any, Any, Any],
    actor: Actor,
    db_session: DbSession,
    location_id: str,
    day: str,
    placement_id: UUID,
    parse: Callable[[dict[str, Any], date], MarkChange],
    message: Callable[[attendance.MarkResult], str],
    *,
    form: str | None = None,
) -> Template | Redirect:
    """A form that changes one child's day through ``attendance.mark`` (a tap, the times), answered as a row or
    a page by ``_answer``."""
    location, on = location_uuid(location_id), _day_from_path(day)
    attendance.check_staff(actor, location)
    data = await form_data(request)

    async def work() -> attendance.MarkResult:
        change = parse(data, on)
        now = datetime.now(UTC)
        return await attendance.mark(db_session, actor, location, on, placement_id, change, today=today(), now=now)

    def done(result: attendance.MarkResult) -> tuple[ChildOnList, dict[str, int], str]:
        return result.child, result.counts, message(result)

    return await _answer(request, actor, db_session, location, on, placement_id, work, done, form=form, data=data)


@post(f"{BASE}/{{day:str}}/{{placement_id:uuid}}", name="day_list_tap")
async def tap(
    request: Request[Any, Any, Any],
    location_id: FromPath[str],
    day: FromPath[str],
    placement_id: FromPath[UUID],
    actor: CurrentActor,
    db_session: DbSession,
) -> Template | Redirect:
    return await _mark_from_form(request, actor, db_session, location_id, day, placement_id, parse_tap, _tap_message)


@post(f"{BASE}/{{day:str}}/{{placement_id:uuid}}/tijden", name="day_list_times")
async def times(
    request: Request[Any, Any, Any],
    location_id: FromPath[str],
    day: FromPath[str],
    placement_id: FromPath[UUID],
    actor: CurrentActor,
    db_session: DbSession,
) -> Template | Redirect:
    return await _mark_from_form(
        request, actor, db_session, location_id, day, placement_id, parse_times_form, _times_message, form="tijden"
    )


@post(f"{BASE}/{{day:str}}/{{placement_id:uuid}}/signaal", name="day_list_concern")
async def raise_concern(
    request: Request[Any, Any, Any],
    location_id: FromPath[str],
    day: FromPath[str],
    placement_id: FromPath[UUID],
    actor: CurrentActor,
    db_session: DbSession,
) -> Template | Redirect:
    location, on = location_uuid(location_id), _day_from_path(day)
    attendance.check_staff(actor, location)
    data = await form_data(request)

    async def work() -> ChildOnList:
        text = parse_observation_text(data)
        child = await attendance.child_on_list(db_session, actor, location, on, placement_id)
        await concerns.raise_observation(
            db_session, actor, child.referral_id, text, today=today(), now=datetime.now(UTC), location_id=location
        )
        return child

    def done(child: ChildOnList) -> tuple[ChildOnList, None, str]:
        return child, None, f"Uw signaal over {child.given_name} is doorgegeven aan de coördinator."

    return await _answer(
        request,
        actor,
        db_session,
        location,
        on,
        placement_id,
        work,
        done,
        form="signaal",
        data=data,
        said_on_row=True,
    )


# --- the coordinator's concerns ------------------------------------------------------------------

STATUS_FILTERS = {"open": "open", "afgehandeld": "resolved", "vervallen": "withdrawn", "alle": None}


async def _concerns_page(
    request: Request[Any, Any, Any],
    actor: Actor,
    db_session: DbSession,
    shown: str,
    *,
    status_code: int = 200,
    failed: UUID | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    notice: str | None = None,
) -> Template:
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
    )


@get("/signalen", name="concerns_page", guards=[require_coordinator])
async def concerns_page(
    request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession, status: FromQuery[str | None] = None
) -> Template:
    shown = status if status in STATUS_FILTERS else "open"
    return await _concerns_page(request, actor, db_session, shown)


@post("/signalen/{concern_id:uuid}/afhandelen", name="concern_resolve", guards=[require_coordinator])
async def resolve_concern(
    request: Request[Any, Any, Any], concern_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession
) -> Template | Redirect:
    data = await form_data(request)
    try:
        note = parse_resolution(data)
        concern = await concerns.resolve_concern(db_session, actor, concern_id, note, now=datetime.now(UTC))
    except (InvalidInput, Conflict) as refused:
        await db_session.rollback()
        status_code, problem, errors = _refused(refused)
        values = typed_values(data)
        return await _concerns_page(
            request,
            actor,
            db_session,
            "open",
            status_code=status_code,
            failed=concern_id,
            errors=errors,
            values=values,
            notice=problem if isinstance(refused, Conflict) else None,
        )
    when = dutch_date(concern.raised_at, "d MMMM")
    await auth_service.flash(db_session, actor, f"Het signaal van {when} is afgehandeld.")
    return Redirect("/signalen", status_code=303)


routes = [
    day_list_today,
    day_list_page,
    day_list_on,
    day_list_print,
    tap,
    times,
    raise_concern,
    concerns_page,
    resolve_concern,
]
