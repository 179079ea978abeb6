"""The coordinator's intake agenda: this week's talks on the start page, the list from today on, and an .ics file
per talk with no child data beyond the first name; nobody outside the location reaches it."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from uuid import UUID

from huiskamer.referrals.models import Referral
from huiskamer.site.templating import AMSTERDAM, today
from tests.factories import in_session, login_as
from tests.web.waitlist_helpers import as_coordinator_a, make_cast, referral_in_review


def plan(settings, referral_id: str, at: datetime) -> None:
    async def work(session):
        referral = await session.get(Referral, UUID(referral_id))
        referral.status = "intake_planned"
        referral.intake_planned_at = at

    in_session(settings, work)


def planned_cast(settings, client):
    cast = make_cast(settings)
    tonight = datetime.combine(today(), time(23, 0), tzinfo=AMSTERDAM)
    soon = referral_in_review(client, cast, "Noor", "Bakker")
    later = referral_in_review(client, cast, "Sem", "de Vries")
    past = referral_in_review(client, cast, "Lotte", "Jansen")
    plan(settings, soon, tonight)
    plan(settings, later, tonight + timedelta(days=10))
    plan(settings, past, tonight - timedelta(days=2))
    return cast, soon, later, past


def test_this_weeks_intakes_stand_on_the_start_page_and_all_coming_ones_on_the_agenda(test_settings, client):
    cast, soon, later, _past = planned_cast(test_settings, client)
    as_coordinator_a(client, cast)
    start = client.get("/").text
    assert "Intakes deze week (1)" in start
    assert f"/aanmeldingen/{soon}" in start and f"/aanmeldingen/{later}" not in start
    assert f"/intakes/{soon}/agenda.ics" in start

    agenda = client.get("/intakes")
    assert agenda.status_code == 200
    assert "Deze week (1)" in agenda.text and "Later (1)" in agenda.text
    assert agenda.text.index("Noor Bakker") < agenda.text.index("Sem de Vries")
    assert "Lotte" not in agenda.text  # a talk of two days ago is no longer coming


def test_the_ics_file_is_one_event_with_only_the_first_name(test_settings, client):
    cast, soon, _later, _past = planned_cast(test_settings, client)
    as_coordinator_a(client, cast)
    response = client.get(f"/intakes/{soon}/agenda.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert "attachment" in response.headers["content-disposition"]
    body = response.content.decode("utf-8")
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    lines = body.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines)
    unfolded = body.replace("\r\n ", "")
    assert "SUMMARY:Intakegesprek Noor" in unfolded
    assert "Bakker" not in unfolded
    tonight = datetime.combine(today(), time(23, 0), tzinfo=AMSTERDAM)
    assert f"DTSTART:{tonight.astimezone(UTC):%Y%m%dT%H%M%SZ}" in unfolded
    assert f"UID:intake-{soon}@" in unfolded
    assert f"/aanmeldingen/{soon}" in unfolded


def test_nobody_outside_the_location_reaches_an_intake(test_settings, client, make_client):
    cast, soon, _later, _past = planned_cast(test_settings, client)
    other = login_as(test_settings, make_client(), cast.coordinator_b)
    assert other.get(f"/intakes/{soon}/agenda.ics").status_code == 404
    assert "Noor" not in other.get("/intakes").text
    referrer = login_as(test_settings, make_client(), cast.referrer)
    assert referrer.get(f"/intakes/{soon}/agenda.ics").status_code == 403
    assert referrer.get("/intakes").status_code == 403
    as_coordinator_a(client, cast)
    not_planned = referral_in_review(client, cast, "Daan")
    assert client.get(f"/intakes/{not_planned}/agenda.ics").status_code == 404
