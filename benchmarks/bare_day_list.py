"""The baseline of ``bench_day_list.py``: a bare Litestar + Jinja2 page that reads the children expected at a
location on a date with one query and renders them, with the same markup per child as the app's day list (the
same lines, buttons and fields), and nothing else: no session, no scope check, no CSRF, no audit, no menu.

Served by uvicorn as a factory: ``uvicorn --factory bare_day_list:create_app --app-dir benchmarks``, with
``BARE_DATABASE_URL``, ``BARE_LOCATION`` and ``BARE_DAY`` in the environment.
"""

from __future__ import annotations

import gc
import os
from datetime import date
from uuid import UUID

from jinja2 import Environment
from litestar import Litestar, MediaType, Response, get
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import create_async_engine

import huiskamer.models  # noqa: F401  (every mapper, as the app has them)
from huiskamer.attendance.models import Attendance
from huiskamer.intake.models import Intake
from huiskamer.placements.models import Placement
from huiskamer.referrals.models import Child, Referral
from huiskamer.site.templating import short_id
from huiskamer.validation import WEEKDAYS

ROW = """\
{% for c in children %}<li id="k-{{ c.key }}" class="kid s-{{ c.status }}" data-q="{{ c.q }}">
<details><summary><b>{{ c.given }} {{ c.initial }}.</b> <small>{{ c.age }} jr</small>
{%- if c.allergies %} <span class="fa">allergie</span>{% endif %}
{%- if c.safety %} <span class="fs">let op</span>{% endif %} <span class="ks">{{ c.line }}</span></summary>
<div class="kb">
<dl class="kf"><dt>Naam</dt><dd>{{ c.given }} {{ c.family }}</dd>
{%- if c.allergies %}<dt class="w">Allergie</dt><dd>{{ c.allergies }}</dd>{% endif %}
{%- if c.safety %}<dt class="w">Let op</dt><dd>{{ c.safety }}</dd>{% endif %}
<dt>Mag ophalen</dt><dd>{{ c.persons | join("; ") }}</dd></dl>
<p class="km">{% for code, label in marks %}<button name="mark" value="{{ c.key }}:{{ code }}" aria-pressed="false">{{ label }}</button>{% endfor %}</p>
<div class="kt"{% if c.status != "present" %} hidden{% endif %}><p class="kt-p">Nu opgehaald door: {% for p in c.persons %}<button name="pickup" value="{{ c.key }}:{{ p }}">{{ p }}</button>{% endfor %}</p>
<p class="kt-f"><label>Opgehaald door <input name="c-{{ c.key }}"></label><label>Aangekomen <input type="time" name="a-{{ c.key }}"></label><label>Vertrokken <input type="time" name="l-{{ c.key }}"></label>
<button name="times" value="{{ c.key }}" class="button">Opslaan</button></p>
</div>
<p class="kl"><a href="/daglijst/{{ c.placement }}/signaal">Signaal doorgeven</a> <a href="/kinderen/{{ c.referral }}">Kindpagina</a></p>
</div></details>
<button name="mark" value="{{ c.key }}:present" class="kp" aria-pressed="false">Aanwezig</button>
</li>
{% endfor %}"""
PAGE = (
    """<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Daglijst</title>
<link rel="stylesheet" href="/static/css/app.css"></head><body><main><h1>Daglijst</h1>
<form method="post"><ul class="day-list">"""
    + ROW
    + """</ul></form></main></body></html>"""
)
MARKS = (("unexcused", "Afwezig zonder bericht"), ("ill", "Ziek"), ("family", "Familie"), ("other", "Anders"))


def create_app() -> Litestar:
    engine = create_async_engine(os.environ["BARE_DATABASE_URL"])
    location = UUID(os.environ["BARE_LOCATION"])
    day = date.fromisoformat(os.environ["BARE_DAY"])
    weekday = WEEKDAYS[day.weekday()]
    template = Environment(autoescape=True).from_string(PAGE)
    query = (
        select(
            Placement.id,
            Placement.referral_id,
            Placement.weekdays,
            Child.given_name,
            Child.family_name,
            Child.date_of_birth,
            Intake.collection_persons,
            Intake.allergies,
            Intake.safety_notes,
            Attendance.status,
        )
        .join(Referral, Referral.id == Placement.referral_id)
        .join(Child, Child.id == Referral.child_id)
        .outerjoin(Intake, Intake.referral_id == Placement.referral_id)
        .outerjoin(Attendance, and_(Attendance.placement_id == Placement.id, Attendance.day == day))
        .where(
            Placement.location_id == location,
            Placement.start_date <= day,
            or_(Placement.end_date.is_(None), Placement.end_date >= day),
        )
    )

    @get("/daglijst")
    async def day_list() -> Response[str]:
        async with engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        children = [
            {
                "key": short_id(row.id),
                "placement": row.id,
                "referral": row.referral_id,
                "given": row.given_name,
                "family": row.family_name,
                "initial": row.family_name[:1],
                "q": f"{row.given_name} {row.family_name}".lower(),
                "age": day.year - row.date_of_birth.year,
                "allergies": row.allergies,
                "safety": row.safety_notes,
                "persons": row.collection_persons or (),
                "status": row.status or "unknown",
                "line": row.status or "nog niet ingevuld",
            }
            for row in rows
            if weekday in row.weekdays
        ]
        children.sort(key=lambda child: (child["given"], child["family"]))
        html = template.render(children=children, marks=MARKS)
        return Response(html, media_type=MediaType.HTML)

    app = Litestar(route_handlers=[day_list], on_shutdown=[engine.dispose], debug=False)
    gc.freeze()  # as the app's servers do (huiskamer.app.create_server_app)
    return app
