"""The day list and marking API (api-v1.md "Attendance and progress"), exactly as written: the shape of the day,
who is expected, one record per child and day however often a tap arrives, 409 for a child not expected, scope
(404) and roles (403), and what a youth worker's JSON never holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import select

from huiskamer.attendance.models import Attendance, AttendanceTap, Concern
from huiskamer.intake.models import Intake
from huiskamer.site.templating import today
from huiskamer.validation import WEEKDAYS
from tests.attendance_helpers import (
    SECRET_GUARDIAN_PHONE,
    SECRET_REASON,
    SECRET_URGENCY,
    Cast,
    attendance_rows,
    concerns_of,
    count_of,
    days_back,
    make_cast,
)
from tests.factories import api, in_session

ZERO_ID = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def cast(test_settings) -> Cast:
    return make_cast(test_settings, closure_days=(days_back(1),))


def day_of(client: Any, cast: Cast, who: str, on: Any = None, location: Any = None) -> Any:
    on = on or today()
    return client.get(f"/api/v1/locations/{location or cast.a}/attendance/{on}", headers=api(client, cast.token(who)))


def put(client: Any, cast: Cast, who: str, placement: Any, body: Any, on: Any = None, location: Any = None) -> Any:
    on = on or today()
    return client.put(
        f"/api/v1/locations/{location or cast.a}/attendance/{on}/{placement}",
        json=body,
        headers=api(client, cast.token(who)),
    )


def errors_of(response: Any) -> dict[str, str]:
    return {error["field"]: error["message"] for error in response.json().get("errors", [])}


def other_weekdays() -> list[str]:
    return [day for day in WEEKDAYS if day != WEEKDAYS[today().weekday()]]


# --- the day ---------------------------------------------------------------------------------------------


def test_the_day_lists_exactly_the_children_expected_today_with_the_contract_fields(client, cast):
    noor = cast.place(given_name="Noor")
    sem = cast.place(given_name="Sem")
    cast.place(given_name="Andereweekdag", weekdays=other_weekdays())
    cast.place(given_name="Gestopt", end=days_back(1))
    cast.place(given_name="Begintnog", start=today() + timedelta(days=1))
    cast.place("b", given_name="Elders")
    response = day_of(client, cast, "youth_worker_a")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["date"] == today().isoformat()
    assert body["capacity"] == 6
    assert body["expected"] == 2
    assert body["present"] == 0
    assert [entry["placement_id"] for entry in body["entries"]] == [str(noor.placement_id), str(sem.placement_id)]
    first = body["entries"][0]
    assert {"placement_id", "child_name", "status", "arrived_at", "left_at"} <= set(first)
    assert first["child_name"] == "Noor Bakker"
    assert first["status"] == "unknown"
    assert first["arrived_at"] is None and first["left_at"] is None
    assert first["collection_persons"] == ["M. Bakker (moeder)", "opa Bakker"]
    assert first["allergies"] == "Noten"
    assert first["goals"] == ["Minder snel boos worden", "Een vriendje maken"]


def test_a_youth_workers_json_holds_none_of_the_coordinator_only_facts(client, cast):
    child = cast.place(given_name="Noor")
    put(client, cast, "youth_worker_a", child.placement_id, {"status": "present"})
    for response in (
        day_of(client, cast, "youth_worker_a"),
        put(client, cast, "youth_worker_a", child.placement_id, {"status": "present"}),
    ):
        assert response.status_code == 200, response.text
        text = response.text
        for secret in (SECRET_REASON, SECRET_URGENCY, SECRET_GUARDIAN_PHONE, "police", "urgency", '"reason"'):
            assert secret not in text, secret
        assert "source" not in response.json() and "history" not in text


def test_on_a_closure_day_nobody_is_expected_and_a_tap_is_refused(client, cast):
    child = cast.place()
    response = day_of(client, cast, "coordinator_a", days_back(1))
    assert response.status_code == 200
    assert response.json()["entries"] == [] and response.json()["closed"] is True
    refused = put(client, cast, "coordinator_a", child.placement_id, {"status": "present"}, days_back(1))
    assert refused.status_code == 409
    assert refused.json()["detail"]


def test_a_closure_day_of_one_location_closes_no_other(client, cast):
    child_b = cast.place("b", start=days_back(10))
    response = put(client, cast, "coordinator_b", child_b.placement_id, {"status": "present"}, days_back(1), cast.b)
    assert response.status_code == 200, response.text  # A is closed that day, B is not


# --- marking ---------------------------------------------------------------------------------------------


def test_the_same_tap_twice_is_one_record_and_the_arrival_time_stays_the_first(client, cast):
    child = cast.place()
    first = put(client, cast, "youth_worker_a", child.placement_id, {"status": "present"})
    second = put(client, cast, "youth_worker_a", child.placement_id, {"status": "present"})
    assert first.status_code == second.status_code == 200, (first.text, second.text)
    assert first.json()["status"] == "present"
    assert first.json()["arrived_at"] is not None
    assert second.json()["arrived_at"] == first.json()["arrived_at"]
    assert len(attendance_rows(cast.settings, child.placement_id)) == 1
    assert day_of(client, cast, "youth_worker_a").json()["present"] == 1


def test_a_changed_tap_changes_the_one_record_and_unknown_takes_it_back(client, cast):
    child = cast.place()
    put(client, cast, "youth_worker_a", child.placement_id, {"status": "present"})
    ill = put(client, cast, "youth_worker_a", child.placement_id, {"status": "absent_excused", "absence_reason": "ill"})
    assert ill.status_code == 200, ill.text
    assert ill.json()["status"] == "absent_excused" and ill.json()["absence_reason"] == "ill"
    assert ill.json()["arrived_at"] is None, "an absent child has no arrival time"
    rows = attendance_rows(cast.settings, child.placement_id)
    assert [(row.status, row.absence_reason) for row in rows] == [("absent_excused", "ill")]
    undone = put(client, cast, "youth_worker_a", child.placement_id, {"status": "unknown"})
    assert undone.status_code == 200 and undone.json()["status"] == "unknown"
    assert attendance_rows(cast.settings, child.placement_id) == []


def test_leaving_time_and_who_collected_are_recorded_for_a_present_child(client, cast):
    child = cast.place(start=days_back(30))
    on = days_back(2)
    body = {"status": "present", "arrived_at": "15:05", "left_at": "17:40", "collected_by": "opa Bakker"}
    response = put(client, cast, "youth_worker_a", child.placement_id, body, on)
    assert response.status_code == 200, response.text
    assert response.json()["collected_by"] == "opa Bakker"
    assert response.json()["left_at"].startswith(on.isoformat())
    backwards = {"status": "present", "arrived_at": "17:00", "left_at": "16:00"}
    refused = put(client, cast, "youth_worker_a", child.placement_id, backwards, on)
    assert refused.status_code == 422
    assert "left_at" in errors_of(refused)
    absent_with_time = {"status": "absent_unexcused", "left_at": "16:00"}
    refused = put(client, cast, "youth_worker_a", child.placement_id, absent_with_time, on)
    assert refused.status_code == 422


@pytest.mark.parametrize("case", ["other_weekday", "ended", "not_started", "other_location", "unknown_placement"])
def test_a_child_not_expected_there_that_day_gets_a_clear_409(client, cast, case):
    if case == "other_weekday":
        placement = cast.place(weekdays=other_weekdays()).placement_id
    elif case == "ended":
        placement = cast.place(end=days_back(1)).placement_id
    elif case == "not_started":
        placement = cast.place(start=today() + timedelta(days=1)).placement_id
    elif case == "other_location":
        placement = cast.place("b").placement_id
    else:
        placement = ZERO_ID
    response = put(client, cast, "coordinator_a", placement, {"status": "present"})
    assert response.status_code == 409, (case, response.text)
    assert "niet" in response.json()["detail"]
    assert count_of(cast.settings, Attendance) == 0


def test_a_future_day_takes_an_illness_reported_ahead_but_not_present(client, cast):
    child = cast.place()
    tomorrow = today() + timedelta(days=1)
    refused = put(client, cast, "youth_worker_a", child.placement_id, {"status": "present"}, tomorrow)
    assert refused.status_code == 409
    ill = {"status": "absent_excused", "absence_reason": "ill"}
    assert put(client, cast, "youth_worker_a", child.placement_id, ill, tomorrow).status_code == 200


def test_absent_with_notice_needs_a_reason_and_nonsense_gets_a_message_per_field(client, cast):
    child = cast.place()
    missing = put(client, cast, "youth_worker_a", child.placement_id, {"status": "absent_excused"})
    assert missing.status_code == 422
    assert "absence_reason" in errors_of(missing)
    wrong = put(client, cast, "youth_worker_a", child.placement_id, {"status": "weg", "arrived_at": "25:99"})
    assert wrong.status_code == 422
    assert set(errors_of(wrong)) == {"status", "arrived_at"}
    assert all(message for message in errors_of(wrong).values())
    bad_date = client.put(
        f"/api/v1/locations/{cast.a}/attendance/2026-02-30/{child.placement_id}",
        json={"status": "present"},
        headers=api(client, cast.token("youth_worker_a")),
    )
    assert bad_date.status_code == 422 and "date" in errors_of(bad_date)
    assert count_of(cast.settings, Attendance) == 0


# --- scope and roles ------------------------------------------------------------------------------------


def test_a_youth_worker_of_a_sees_nothing_of_b(client, cast):
    child_b = cast.place("b")
    assert day_of(client, cast, "youth_worker_a", location=cast.b).status_code == 404
    response = put(client, cast, "youth_worker_a", child_b.placement_id, {"status": "present"}, location=cast.b)
    assert response.status_code == 404
    assert count_of(cast.settings, Attendance) == 0
    assert day_of(client, cast, "youth_worker_a", location=ZERO_ID).status_code == 404


@pytest.mark.parametrize("who", ["referrer", "admin"])
def test_referrers_and_beheerders_get_403(client, cast, who):
    child = cast.place()
    assert day_of(client, cast, who).status_code == 403
    assert put(client, cast, who, child.placement_id, {"status": "present"}).status_code == 403
    assert count_of(cast.settings, Attendance) == 0


def test_without_a_token_401(client, cast):
    child = cast.place()
    assert client.get(f"/api/v1/locations/{cast.a}/attendance/{today()}").status_code == 401
    response = client.put(f"/api/v1/locations/{cast.a}/attendance/{today()}/{child.placement_id}", json={})
    assert response.status_code == 401


# --- taps made offline (api-v1.md, second wave) ----------------------------------------------------------


def test_a_tap_with_an_id_is_stored_once_and_the_latest_phone_time_stands(client, cast):
    child = cast.place(start=days_back(10))
    on = days_back(2)  # yesterday is a closure day of this cast
    now = datetime.now(UTC)
    ill = {"status": "absent_excused", "absence_reason": "ill", "tap_id": str(uuid4())}
    ill["tapped_at"] = (now - timedelta(minutes=2)).isoformat()
    present = {"status": "present", "tap_id": str(uuid4()), "tapped_at": (now - timedelta(minutes=30)).isoformat()}
    present["arrived_at"] = f"{on}T14:05:00+01:00"
    first = put(client, cast, "youth_worker_a", child.placement_id, ill, on)
    late = put(client, cast, "coordinator_a", child.placement_id, present, on)  # older, arrives later
    again = put(client, cast, "coordinator_a", child.placement_id, present, on)
    for response in (first, late, again):
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "absent_excused" and response.json()["absence_reason"] == "ill"
    assert first.json()["applied"] is True and late.json()["applied"] is False and again.json() == late.json()
    assert count_of(cast.settings, AttendanceTap, placement_id=child.placement_id) == 2


def test_a_tap_time_from_the_future_or_older_than_a_week_is_bad_input(client, cast):
    child = cast.place()
    now = datetime.now(UTC)
    for moment in (now + timedelta(minutes=10), now - timedelta(days=8), "gisteren", "2026-09-07T15:30:00"):
        at = moment.isoformat() if isinstance(moment, datetime) else moment
        body = {"status": "present", "tap_id": str(uuid4()), "tapped_at": at}
        response = put(client, cast, "youth_worker_a", child.placement_id, body)
        assert response.status_code == 422, (at, response.text)
        assert "tapped_at" in errors_of(response)
    bad_id = put(client, cast, "youth_worker_a", child.placement_id, {"status": "present", "tap_id": "x"})
    assert bad_id.status_code == 422 and "tap_id" in errors_of(bad_id)
    assert count_of(cast.settings, Attendance) == 0


def test_a_pick_up_by_someone_not_on_the_list_is_stored_with_a_warning_and_one_concern(client, cast):
    child = cast.place(given_name="Noor", start=days_back(10))
    on = days_back(2)  # yesterday is a closure day of this cast
    body = {
        "status": "present",
        "arrived_at": f"{on}T14:00:00+01:00",
        "left_at": f"{on}T17:00:00+01:00",
        "collected_by": "P. Jansen (vader)",
    }
    response = put(client, cast, "youth_worker_a", child.placement_id, body, on)
    assert response.status_code == 200, response.text
    assert response.json()["collected_by"] == "P. Jansen (vader)"
    assert "P. Jansen (vader) staat niet op de lijst van wie Noor mag ophalen" in response.json()["pickup_warning"]
    again = put(client, cast, "youth_worker_a", child.placement_id, body, on)  # the same pick-up: no second concern
    assert again.status_code == 200
    listed = client.get("/api/v1/concerns?status=open", headers=api(client, cast.token("coordinator_a")))
    [concern] = listed.json()["items"]
    assert concern["kind"] == "pickup" and concern["urgent"] is True
    allowed = put(client, cast, "youth_worker_a", child.placement_id, {**body, "collected_by": "opa bakker"}, on)
    assert "pickup_warning" not in allowed.json()
    assert count_of(cast.settings, Concern) == 1


def test_a_person_on_the_not_allowed_list_is_named_in_the_warning(client, cast):
    child = cast.place(given_name="Noor")
    set_not_allowed(cast, child.referral_id, ["P. Jansen (vader)"])
    entries = day_of(client, cast, "youth_worker_a").json()["entries"]
    assert entries[0]["not_allowed_collectors"] == ["P. Jansen (vader)"]
    put(client, cast, "youth_worker_a", child.placement_id, {"status": "present"})
    now = datetime.now(UTC)
    body = {"collected_by": "p jansen (VADER)", "left_at": now.isoformat()}
    response = put(client, cast, "youth_worker_a", child.placement_id, {"status": "present", **body})
    assert response.status_code == 200, response.text
    assert (
        "mag Noor niet ophalen (op de lijst ‘mag niet ophalen’: P. Jansen (vader))" in response.json()["pickup_warning"]
    )
    [concern] = concerns_of(cast.settings, child.placement_id)
    assert "op de lijst ‘mag niet ophalen’ staat (P. Jansen (vader))" in concern.text


def set_not_allowed(cast: Cast, referral_id: Any, persons: list[str]) -> None:
    async def work(db: Any) -> None:
        intake = await db.scalar(select(Intake).where(Intake.referral_id == referral_id))
        intake.not_allowed_collectors = persons

    in_session(cast.settings, work)
