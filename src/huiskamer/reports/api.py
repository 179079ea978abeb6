"""JSON API: the summary of a period for the municipality's dashboards (api-v1.md "Concerns and reports")."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import get
from litestar.params import QueryParameter

from huiskamer.reports import service
from huiskamer.reports.figures import Summary
from huiskamer.reports.schemas import Summary as SummaryOut
from huiskamer.reports.schemas import read_location_id, read_period
from huiskamer.reports.service import ReportScope
from huiskamer.site.apidoc import api_doc, query
from huiskamer.site.deps import CurrentActor, DbSession


def _number(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def summary_json(where: ReportScope, summary: Summary) -> dict[str, Any]:
    """The contract's fields, then extras (neighbourhoods, placements ended, occupancy, goals per dimension)."""
    return {
        "from": summary.period.start.isoformat(),
        "to": summary.period.end.isoformat(),
        "location_ids": [str(location_id) for location_id in where.location_ids],
        "referrals_received": summary.referrals_received,
        "referrals_by_source": summary.referrals_by_source,
        "children_reached": summary.children_reached,
        "placements_started": summary.placements_started,
        "waiting_days": {
            "median": _number(summary.waiting_days.median),
            "p90": _number(summary.waiting_days.p90),
        },
        "attendance_rate": _number(summary.attendance_rate),
        "goals": {"set": summary.goals_set, "reached": summary.goals_reached},
        "discharges_by_reason": summary.discharges_by_reason,
        "waitlist_now": summary.waitlist_now,
        "placements_ended": summary.placements_ended,
        "referrals_by_neighbourhood": {
            (name if name is not None else ""): count for name, count in summary.referrals_by_neighbourhood.items()
        },
        "goals_by_dimension": {
            (dimension if dimension is not None else ""): {"set": counts.set, "reached": counts.reached}
            for dimension, counts in summary.goals_by_dimension.items()
        },
        "occupancy_by_weekday": {weekday: _number(occupancy.rate) for weekday, occupancy in summary.occupancy.items()},
        "waitlist_now_by_location": {
            str(location_id): count for location_id, count in sorted(summary.waitlist_by_location.items())
        },
    }


PERIOD = "JJJJ-MM-DD, tussen 2000-01-01 en 2100-12-31; de periode is hoogstens vijf jaar."


@get(
    "/api/v1/reports/summary",
    name="api_reports_summary",
    tags=["reports"],
    **api_doc(SummaryOut, errors=(403, 404, 422)),
)
async def reports_summary(
    actor: CurrentActor,
    db_session: DbSession,
    start: Annotated[
        str | None,
        QueryParameter(
            name="from", description="De eerste dag: " + PERIOD, required=True, schema_extra={"format": "date"}
        ),
    ] = None,
    end: Annotated[
        str | None,
        QueryParameter(
            name="to", description="De laatste dag: " + PERIOD, required=True, schema_extra={"format": "date"}
        ),
    ] = None,
    location_id: Annotated[
        str | None, query("Alleen deze locatie (een id; leeg of alle: alle locaties in uw bereik).", format="uuid")
    ] = None,
) -> dict[str, Any]:
    service.require_reporting_role(actor)
    period = read_period({"from": start, "to": end}, "from", "to")
    where, summary = await service.summary_for(db_session, actor, period, read_location_id(location_id))
    return summary_json(where, summary)


routes: list[Any] = [reports_summary]
