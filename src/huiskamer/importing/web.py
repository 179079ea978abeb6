"""The import page: upload a spreadsheet, see per row what it will make, then import the rows that are fine."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.response import Template

from huiskamer.auth.guards import require_coordinator_or_admin
from huiskamer.importing import service
from huiskamer.importing.sheet import UnreadableFile, read_file, template_csv, template_xlsx
from huiskamer.site.deps import AppSettings, CurrentActor, DbSession
from huiskamer.site.templating import page, today

MAX_BYTES = 8 * 1024 * 1024


def _page(request: Request[Any, Any, Any], *, status_code: int = 200, **context: Any) -> Template:
    context.setdefault("errors", {})
    return page(request, "importing/import.html", status_code=status_code, title="Importeren", **context)


@get("/importeren", name="import_page", guards=[require_coordinator_or_admin])
async def import_page(request: Request[Any, Any, Any]) -> Template:
    return _page(request)


async def _uploaded(request: Request[Any, Any, Any]) -> tuple[bytes, str, str | None]:
    """The file (uploaded, or carried from the preview), its name and the sheet asked for."""
    form = await request.form()
    sheet = form.get("tabblad")
    sheet_name = sheet.strip() if isinstance(sheet, str) and sheet.strip() else None
    upload = form.get("bestand")
    if isinstance(upload, UploadFile) and upload.filename:
        content = await upload.read()
        return content, upload.filename, sheet_name
    carried, name = form.get("inhoud"), form.get("bestandsnaam")
    if isinstance(carried, str) and carried and isinstance(name, str):
        try:
            return base64.b64decode(carried, validate=True), name, sheet_name
        except (binascii.Error, ValueError):
            pass
    return b"", "", sheet_name


@post(
    "/importeren", name="import_preview", guards=[require_coordinator_or_admin], request_max_body_size=16 * 1024 * 1024
)
async def import_preview(request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession) -> Template:
    content, filename, sheet_name = await _uploaded(request)
    if not content:
        return _page(request, status_code=422, errors={"bestand": "Kies een bestand (Excel of CSV)."})
    if len(content) > MAX_BYTES:
        return _page(request, status_code=422, errors={"bestand": "Het bestand is groter dan 8 MB."})
    try:
        sheet = read_file(content, filename, sheet=sheet_name)
    except UnreadableFile as error:
        return _page(request, status_code=422, errors={"bestand": str(error)}, sheet_name=sheet_name or "")
    preview = await service.preview(db_session, actor, sheet, today())
    return _page(
        request,
        preview=preview,
        filename=filename,
        content=base64.b64encode(content).decode(),
        sheet_name=sheet_name or "",
        outcomes=service,
    )


@post(
    "/importeren/uitvoeren",
    name="import_run",
    guards=[require_coordinator_or_admin],
    request_max_body_size=24 * 1024 * 1024,
)
async def import_run(
    request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession, settings: AppSettings
) -> Template:
    content, filename, sheet_name = await _uploaded(request)
    if not content:
        return _page(request, status_code=422, errors={"bestand": "Kies een bestand (Excel of CSV)."})
    try:
        sheet = read_file(content, filename, sheet=sheet_name)
    except UnreadableFile as error:
        return _page(request, status_code=422, errors={"bestand": str(error)})
    result = await service.run_import(db_session, actor, settings, sheet, filename, today())
    return _page(request, result=result, preview=result.preview, filename=filename, outcomes=service)


@get("/importeren/sjabloon.xlsx", name="import_template_xlsx", guards=[require_coordinator_or_admin])
async def template_xlsx_download() -> Response[bytes]:
    return Response(
        template_xlsx(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="huiskamer-import-sjabloon.xlsx"'},
    )


@get("/importeren/sjabloon.csv", name="import_template_csv", guards=[require_coordinator_or_admin])
async def template_csv_download() -> Response[bytes]:
    return Response(
        template_csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="huiskamer-import-sjabloon.csv"'},
    )


routes = [import_page, import_preview, import_run, template_xlsx_download, template_csv_download]
