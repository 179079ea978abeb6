"""Pages of the access log and a child's own history; the JSON of the access log (api-v1.md, second wave)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import anyio
import msgspec
from litestar import Request, Response, get
from litestar.params import FromPath
from litestar.response import Template

from huiskamer.audit import privacy, subject_access
from huiskamer.audit import service as audit_service
from huiskamer.audit.access import ACTIONS_NL
from huiskamer.auth.guards import require_admin, require_coordinator, require_coordinator_or_admin
from huiskamer.reports.exports import to_pdf
from huiskamer.site.apidoc import api_doc
from huiskamer.site.deps import AppSettings, CurrentActor, DbSession
from huiskamer.site.templating import page, today

BASE = "/aanmeldingen/{referral_id:uuid}"


def _page_number(request: Request[Any, Any, Any]) -> int:
    raw = request.query_params.get("pagina")
    return int(raw) if isinstance(raw, str) and raw.isdigit() and 0 < int(raw) < 100_000 else 1


@get(
    f"{BASE}/inzage",
    name="child_access_log",
    guards=[require_coordinator_or_admin],
    opt={"access_what": "toegangslog (wie heeft dit dossier ingezien)"},
)
async def child_access_log(
    request: Request[Any, Any, Any], referral_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession
) -> Template:
    from huiskamer.retention.web import child_privacy_page

    return await child_privacy_page(request, db_session, actor, referral_id)


@get(
    f"{BASE}/wijzigingen",
    name="child_history",
    guards=[require_coordinator],
    opt={"access_what": "wijzigingen in het dossier"},
)
async def child_history(
    request: Request[Any, Any, Any], referral_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession
) -> Template:
    child = await privacy.child_of(db_session, actor, referral_id)
    page_number = _page_number(request)
    events, has_next = await privacy.history_of_child(db_session, child.child_id, page=page_number)
    return page(
        request,
        "audit/child_history.html",
        title=f"Wijzigingen in het dossier van {child.name}",
        child=child,
        events=events,
        page_number=page_number,
        has_next=has_next,
        table_label=audit_service.table_label,
        actions=audit_service.ACTIONS_NL,
        shown_changes=audit_service.shown_changes,
    )


@get("/beheer/toegangslog", name="access_log_search", guards=[require_admin])
async def access_log_search(request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession) -> Template:
    fields = ("kind", "geboortedatum", "persoon", "van", "tot", "pagina")
    raw = {name: request.query_params.get(name) for name in fields}
    values = {name: value if isinstance(value, str) else "" for name, value in raw.items()}
    search, errors = privacy.read_search(raw)
    found: list[privacy.FoundEntry] = []
    has_next = False
    if not errors:
        found, has_next = await privacy.search_access(db_session, actor, search)
    return page(
        request,
        "audit/access_search.html",
        status_code=422 if errors else 200,
        title="Toegangslog",
        values=values,
        errors=errors,
        search=search,
        found=found,
        has_next=has_next,
        actions=ACTIONS_NL,
        role_name=privacy.role_name,
    )


@get(
    f"{BASE}/gegevens-export",
    name="subject_access_download",
    guards=[require_coordinator_or_admin],
    opt={"access": "export", "access_what": "inzageverzoek (export van alle gegevens)"},
)
async def subject_access_download(
    request: Request[Any, Any, Any],
    referral_id: FromPath[UUID],
    actor: CurrentActor,
    db_session: DbSession,
    settings: AppSettings,
) -> Response[bytes]:
    export = await subject_access.collect(db_session, actor, referral_id)
    html = _pdf_html(request, export)
    pdf = await anyio.to_thread.run_sync(to_pdf, html, settings.static_dir)
    on = today()
    return Response(
        subject_access.as_zip(export, pdf, on),
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{subject_access.file_stem(export, on)}.zip"',
            "Cache-Control": "no-store",
        },
    )


def _pdf_html(request: Request[Any, Any, Any], export: subject_access.Export) -> str:
    from huiskamer.site.templating import dutch_datetime

    def shown(value: Any, key: str = "", table: str = "") -> str:
        if isinstance(value, dict):
            return "; ".join(f"{k}: {shown(v)}" for k, v in value.items())
        if isinstance(value, str) and (key.endswith("_by_id") or key in {"author_id", "user_id"}):
            return export.data["people"].get(value, value)
        if value is None:
            return "—"
        return audit_service.shown_value(table, key, value)

    def wanted(key: str) -> bool:
        """The readable PDF leaves out the ids that only link rows (the JSON keeps them)."""
        return not key.endswith("_id") or key.endswith("_by_id") or key == "author_id"

    def when(text: str) -> str:
        try:
            return dutch_datetime(datetime.fromisoformat(text), "d MMMM y, HH:mm")
        except (TypeError, ValueError):
            return str(text)

    template = request.app.template_engine.get_template("audit/subject_access_pdf.html")  # type: ignore[union-attr]
    return template.render(
        export=export,
        data=export.data,
        organisation_name="de organisatie",
        field=lambda key: audit_service.FIELD_LABELS_NL.get(key, key.replace("_", " ")),
        table=audit_service.table_label,
        shown=shown,
        wanted=wanted,
        when=when,
        actions=audit_service.ACTIONS_NL,
        access_actions=ACTIONS_NL,
        role_name=privacy.role_name,
    )


class AccessLogItem(msgspec.Struct, kw_only=True):
    at: datetime
    user_name: str
    role: str
    action: str
    what: str


class AccessLogList(msgspec.Struct, kw_only=True):
    """Who read or changed this child's data, newest first (NEN 7513)."""

    items: list[AccessLogItem]


@get(
    "/api/v1/referrals/{referral_id:uuid}/access-log",
    name="api_access_log",
    tags=["privacy"],
    guards=[require_coordinator_or_admin],
    opt={"access_what": "toegangslog (API)"},
    **api_doc(AccessLogList, errors=(403, 404)),
)
async def api_access_log(referral_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession) -> dict[str, Any]:
    child = await privacy.child_of(db_session, actor, referral_id)
    found = await privacy.access_of_child(db_session, child.child_id, size=1000)
    return {
        "items": [
            {
                "at": entry.at,
                "user_name": _name_of(entry.user_label),
                "role": entry.role,
                "action": entry.action,
                "what": entry.what,
            }
            for entry in found.entries
        ]
    }


class SubjectAccess(msgspec.Struct, kw_only=True):
    """Everything held about the referral's child and its guardians, across all of the child's referrals: the
    rows of every table of the dossier by table name, the history of changes and the access log."""

    generated_at: str
    generated_by: str
    child: dict[str, Any]
    guardians: list[dict[str, Any]]
    tables: dict[str, list[dict[str, Any]]]
    people: dict[str, str]
    history_of_changes: list[dict[str, Any]]
    access_log: list[dict[str, Any]]
    not_included: dict[str, str]


@get(
    "/api/v1/referrals/{referral_id:uuid}/subject-access",
    name="api_subject_access",
    tags=["privacy"],
    guards=[require_coordinator_or_admin],
    opt={"access": "export", "access_what": "inzageverzoek (API)"},
    **api_doc(SubjectAccess, errors=(403, 404)),
)
async def api_subject_access(referral_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession) -> dict[str, Any]:
    export = await subject_access.collect(db_session, actor, referral_id)
    return export.data


def _name_of(label: str) -> str:
    """ "Anna de Vries <anna@…>" → "Anna de Vries"."""
    return label.split(" <", 1)[0]


name_of = _name_of
routes = [child_access_log, child_history, access_log_search, subject_access_download]
api_routes = [api_access_log, api_subject_access]
