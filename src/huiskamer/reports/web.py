"""HTML pages of the reports: the dashboard (/rapportage), what the figures mean (/rapportage/uitleg), the
printable report, the exports (CSV, XLSX, PDF) and the story of a period.

The figures come from ``reports.service``; ``reports.tables`` turns them into the tables every output shows.
"""

from __future__ import annotations

from typing import Any

import anyio
from litestar import Request, Response, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from huiskamer.auth import service as auth_service
from huiskamer.auth.actor import Actor
from huiskamer.auth.guards import require_coordinator_or_admin
from huiskamer.errors import InvalidInput
from huiskamer.reports import exports, pages, rules, service, stories
from huiskamer.reports.figures import DEFINITIONS
from huiskamer.reports.schemas import read_story
from huiskamer.reports.service import ReportScope
from huiskamer.reports.tables import build_tables, format_value, unit_of
from huiskamer.site.deps import AppSettings, CurrentActor, DbSession, form_data
from huiskamer.site.templating import page, today

GUARDS = [require_coordinator_or_admin]
LABELS = {"van": "Van", "tot": "Tot en met", "locatie": "Locatie", "text": "Het verhaal bij deze periode"}


def _choice(van: str | None, tot: str | None, locatie: str | None, exact: str | None = None) -> pages.Choice:
    return pages.read_choice({"van": van, "tot": tot, "locatie": locatie, "exact": exact}, today())


async def _report_context(
    db_session: DbSession, where: ReportScope, choice: pages.Choice, *, protect: bool
) -> dict[str, Any]:
    """Everything a page or an export of the report shows."""
    assert choice.period is not None
    report = await service.build_report(db_session, where, choice.period)
    tables = build_tables(report, protect=protect)
    return {
        "report": report,
        "where": where,
        "tables": tables,
        "stories": await stories.stories_within(db_session, where, choice.period),
        "format_value": format_value,
        "unit_of": unit_of,
        "legend": exports.LEGEND,
        "definitions": DEFINITIONS,
    }


def _about(context: dict[str, Any]) -> exports.About:
    report = context["report"]
    return exports.About(report.period.label(), report.earlier.label(), context["where"].label, today())


def _navigation(choice: pages.Choice) -> dict[str, Any]:
    period = choice.period
    return {
        "presets": [(label, choice.query(period=preset)) for label, preset in rules.presets(today())],
        "previous": choice.query(period=period.shifted(-1)) if period else "",
        "next": choice.query(period=period.shifted(1)) if period else "",
    }


async def _dashboard(
    request: Request[Any, Any, Any],
    actor: Actor,
    db_session: DbSession,
    choice: pages.Choice,
    *,
    story_text: str | None = None,
    story_errors: dict[str, str] | None = None,
) -> Template:
    where = await service.report_scope(db_session, actor, choice.location_id)
    context: dict[str, Any] = {"where": where, "tables": [], "images": {}, "stories": []}
    if choice.period is not None:
        context = await _report_context(db_session, where, choice, protect=not choice.exact)
        context["images"] = pages.chart_svgs(context["tables"])
        story = await stories.story_to_edit(db_session, actor, where, choice.period)
        context["story_text"] = story_text if story_text is not None else (story.text if story else "")
    errors = {**choice.errors, **(story_errors or {})}
    return page(
        request,
        "reports/dashboard.html",
        status_code=422 if errors else 200,
        title="Rapportage",
        choice=choice,
        errors=errors,
        labels=LABELS,
        location_options=[("", "Alle locaties" if actor.is_admin else "Al mijn locaties")]
        + [(str(place.id), place.name) for place in where.locations],
        can_write=stories.can_write(actor, where),
        story_target=stories.target_name(actor, where),
        story_errors=story_errors or {},
        **_navigation(choice),
        **context,
    )


@get("/rapportage", name="reports_dashboard", guards=GUARDS)
async def dashboard(
    request: Request[Any, Any, Any],
    actor: CurrentActor,
    db_session: DbSession,
    van: FromQuery[str | None] = None,
    tot: FromQuery[str | None] = None,
    locatie: FromQuery[str | None] = None,
    exact: FromQuery[str | None] = None,
) -> Template:
    return await _dashboard(request, actor, db_session, _choice(van, tot, locatie, exact))


@get("/rapportage/uitleg", name="reports_help", guards=GUARDS)
async def help_page(request: Request[Any, Any, Any]) -> Template:
    return page(request, "reports/help.html", title="Wat de cijfers betekenen", definitions=DEFINITIONS)


async def _where(db_session: DbSession, actor: Actor, choice: pages.Choice) -> ReportScope:
    return await service.report_scope(db_session, actor, choice.location_id)


async def _shared_report(db_session: DbSession, actor: Actor, choice: pages.Choice) -> dict[str, Any]:
    """What the print view and the exports share: the report of the chosen period for the actor's scope, small
    numbers protected, as all that leaves is."""
    return await _report_context(db_session, await _where(db_session, actor, choice), choice, protect=True)


def _period_to_fix(choice: pages.Choice) -> Redirect | None:
    """A print view or an export of a period that is not one goes back to the dashboard, where the messages
    stand beside the date fields with what was typed (no dates at all: this year, as on the dashboard)."""
    return None if choice.period is not None else Redirect(f"/rapportage?{choice.query()}", status_code=303)


@get("/rapportage/afdrukken", name="reports_print", guards=GUARDS)
async def print_view(
    request: Request[Any, Any, Any],
    actor: CurrentActor,
    db_session: DbSession,
    van: FromQuery[str | None] = None,
    tot: FromQuery[str | None] = None,
    locatie: FromQuery[str | None] = None,
) -> Template | Redirect:
    choice = _choice(van, tot, locatie)
    if fix := _period_to_fix(choice):
        return fix
    context = await _shared_report(db_session, actor, choice)
    context["images"] = pages.chart_svgs(context["tables"])
    return page(request, "reports/report.html", title="Rapportage", choice=choice, for_pdf=False, **context)


def _download(
    content: bytes, media_type: str, context: dict[str, Any], choice: pages.Choice, suffix: str
) -> Response[bytes]:
    filename = _file_name(context["where"], choice) + suffix
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@get("/rapportage/export.csv", name="reports_csv", guards=GUARDS)
async def export_csv(
    actor: CurrentActor,
    db_session: DbSession,
    van: FromQuery[str | None] = None,
    tot: FromQuery[str | None] = None,
    locatie: FromQuery[str | None] = None,
) -> Response[bytes] | Redirect:
    choice = _choice(van, tot, locatie)
    if fix := _period_to_fix(choice):
        return fix
    context = await _shared_report(db_session, actor, choice)
    content = exports.to_csv(_about(context), context["tables"], context["stories"])
    return _download(content, "text/csv", context, choice, ".csv")


@get("/rapportage/export.xlsx", name="reports_xlsx", guards=GUARDS)
async def export_xlsx(
    actor: CurrentActor,
    db_session: DbSession,
    van: FromQuery[str | None] = None,
    tot: FromQuery[str | None] = None,
    locatie: FromQuery[str | None] = None,
) -> Response[bytes] | Redirect:
    choice = _choice(van, tot, locatie)
    if fix := _period_to_fix(choice):
        return fix
    context = await _shared_report(db_session, actor, choice)
    content = await anyio.to_thread.run_sync(exports.to_xlsx, _about(context), context["tables"], context["stories"])
    media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return _download(content, media, context, choice, ".xlsx")


@get("/rapportage/export.pdf", name="reports_pdf", guards=GUARDS)
async def export_pdf(
    request: Request[Any, Any, Any],
    actor: CurrentActor,
    db_session: DbSession,
    settings: AppSettings,
    van: FromQuery[str | None] = None,
    tot: FromQuery[str | None] = None,
    locatie: FromQuery[str | None] = None,
) -> Response[bytes] | Redirect:
    choice = _choice(van, tot, locatie)
    if fix := _period_to_fix(choice):
        return fix
    context = await _shared_report(db_session, actor, choice)
    context["images"] = pages.chart_svgs(context["tables"])
    template = request.app.template_engine.get_template("reports/report.html")
    html = template.render(actor=actor, choice=choice, for_pdf=True, title="Rapportage", request=request, **context)
    content = await anyio.to_thread.run_sync(exports.to_pdf, html, settings.static_dir)
    return _download(content, "application/pdf", context, choice, ".pdf")


def _file_name(where: ReportScope, choice: pages.Choice) -> str:
    assert choice.period is not None
    return exports.file_stem((choice.period.start, choice.period.end), where.slug)


@post("/rapportage/verhaal", name="reports_story", guards=GUARDS)
async def save_story(
    request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession
) -> Template | Redirect:
    data = await form_data(request)
    raw = {key: data.get(key) if isinstance(data.get(key), str) else None for key in ("van", "tot", "locatie")}
    choice = pages.read_choice(raw, today())
    where = await service.report_scope(db_session, actor, choice.location_id)
    text_value = data.get("text") if isinstance(data.get("text"), str) else ""
    refused: dict[str, str] = {}
    message = ""
    if choice.period is not None:
        try:
            message = await stories.save_story(db_session, actor, where, choice.period, read_story(data))
        except InvalidInput as invalid:
            refused = invalid.errors
    if choice.period is None or refused:
        return await _dashboard(request, actor, db_session, choice, story_text=text_value, story_errors=refused)
    if actor.session_id is not None:
        await auth_service.push_flash(db_session, actor.session_id, message)
    return Redirect(f"/rapportage?{choice.query()}#verhaal", status_code=303)


routes: list[Any] = [dashboard, help_page, print_view, export_csv, export_xlsx, export_pdf, save_story]
